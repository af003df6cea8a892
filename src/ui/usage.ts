/** Token usage for the status line: the session's sum, and a cost estimate when prices are known. */
import { addUsage, emptyUsage, type Usage } from '../agent/events.js';

export interface Pricing {
  input: number;
  cachedInput: number;
  output: number;
}

export { emptyUsage, addUsage as sumUsage };

/** Estimated USD for the tokens used (cached input at its own price). */
export function costOf(u: Usage, p: Pricing): number {
  const cached = Math.min(u.cached_tokens, u.input_tokens);
  return ((u.input_tokens - cached) * p.input + cached * p.cachedInput + u.output_tokens * p.output) / 1e6;
}
