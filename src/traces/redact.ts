/** The one redaction function lives in secrets/ (a leaf every layer may use); re-exported for the trace store. */
export { createRedactor, redactDeep, secretEnvValues, type Redactor } from '../secrets/redact.js';
