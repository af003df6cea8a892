/**
 * The one redaction function: everything sedge writes to disk or prints (session files, traces, saved tool
 * outputs, test logs, --json stdout, batch outputs, error messages) passes through it. It masks well-known key
 * and token shapes, PEM blocks, JWTs, credentials in URLs, `KEY=value` pairs and "password is x" phrases whose
 * name says secret, and the literal values of secret-named environment variables and of the endpoint key.
 * A literal is only masked when it is long enough to be a secret: a dummy key `x` must not turn every "x" in
 * a transcript into [REDACTED].
 */

/** Shorter literals are not secrets worth hiding (and masking them would garble ordinary text). */
export const MIN_SECRET_LENGTH = 8;

const MASK = '[REDACTED]';

const PATTERNS: RegExp[] = [
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
  /-----BEGIN (?:CERTIFICATE|OPENSSH|PGP|ENCRYPTED)[A-Z ]*-----[\s\S]*?(?:-----END [A-Z ]+-----|$)/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, // JWT
  /\bsk-(?:proj-|ant-|live-|test-)?[A-Za-z0-9_-]{16,}/g, // OpenAI / Anthropic / Stripe-like
  /\b(?:rk|pk|sk)_(?:live|test)_[A-Za-z0-9]{16,}/g, // Stripe
  /\bgh[pousr]_[A-Za-z0-9]{30,}/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{40,}/g,
  /\bglpat-[A-Za-z0-9_-]{20,}/g, // GitLab
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, // Slack
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, // AWS access key id
  /\bAIza[0-9A-Za-z_-]{35}\b/g, // Google API key
  /\bhf_[A-Za-z0-9]{30,}/g, // Hugging Face
  /\bnpm_[A-Za-z0-9]{36}\b/g, // npm
  /\b(?:Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{16,}/gi, // Authorization headers
];

/** scheme://user:password@host */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@]+):([^\s@/]+)@/gi;

/** "the password is hunter2" in prose (a think note); the value needs a digit or symbol ("is valid" is prose) */
const SECRET_PHRASE =
  /\b((?:passw(?:or)?d|passphrase|secret|token|api[ _-]?key)\s+(?:is|was)\s*:?\s+["'`]?)((?=[^\s"'`,;]*[\d_!@#$%^&*+=-])[^\s"'`,;]{4,})/gi;

/** NAME=value, NAME: value, "name": "value" where the name says secret */
const SECRET_ASSIGNMENT =
  /\b([A-Za-z0-9_.-]*(?:api[_-]?key|apikey|secret|token|passw(?:or)?d|passwd|pwd|private[_-]?key|credential|auth)[A-Za-z0-9_.-]*)(["']?\s*[:=]\s*["']?)([^\s"',;}]{4,})/gi;

/**
 * Something every pattern above needs to match (case-insensitive, so a superset): text without any of these
 * skips the patterns. Most of what passes through (event fields, ordinary tool output) has none, and one scan
 * is much cheaper than fifteen.
 */
const MAYBE_SECRET =
  /-----BEGIN|eyJ|sk-|k_(?:live|test)_|gh[pousr]_|github_pat_|glpat-|xox|AKIA|ASIA|AIza|hf_|npm_|bearer|basic|token|:\/\/|pass|secret|api|key|pwd|credential|auth|private/i;

const SECRET_NAME = /(key|secret|token|passw|pwd|credential|auth|cookie|session|private|signature|cert)/i;

/** Values of secret-named variables in this environment (long enough to be worth hiding). */
export function secretEnvValues(env: Record<string, string | undefined> = process.env): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < MIN_SECRET_LENGTH || !SECRET_NAME.test(name)) continue;
    if (/^(true|false|null|none|\d+)$/i.test(value) || value.startsWith('/')) continue;
    out.push(value);
  }
  return out.sort((a, b) => b.length - a.length);
}

export type Redactor = (text: string) => string;

export function createRedactor(opts: { env?: Record<string, string | undefined>; extra?: string[] } = {}): Redactor {
  const literals = [...secretEnvValues(opts.env ?? process.env), ...(opts.extra ?? [])]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  return (text: string): string => {
    if (!text) return text;
    let out = text;
    for (const lit of literals) if (out.includes(lit)) out = out.split(lit).join(MASK);
    if (!MAYBE_SECRET.test(out)) return out;
    for (const re of PATTERNS) out = out.replace(re, MASK);
    out = out.replace(URL_CREDENTIALS, (_m, scheme: string, user: string) => `${scheme}${user}:${MASK}@`);
    out = out.replace(SECRET_PHRASE, (m, lead: string, value: string) =>
      value.startsWith(MASK) ? m : `${lead}${MASK}`,
    );
    out = out.replace(SECRET_ASSIGNMENT, (m, name: string, sep: string, value: string) =>
      value === MASK || /^\$\{?[A-Za-z_]/.test(value) ? m : `${name}${sep}${MASK}`,
    );
    return out;
  };
}

/** Deep-redact every string inside a JSON-like value. */
export function redactDeep<T>(value: T, redact: Redactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, redact);
    return out as T;
  }
  return value;
}

/** Does this value look like a secret (a known key shape, a PEM block, a JWT, a URL with a password)? */
export function looksSecret(value: string): boolean {
  return createRedactor({ env: {} })(value) !== value;
}
