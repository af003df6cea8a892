/** Token usage for the status line: the session's sum, and a cost estimate when prices are known. */
import type { Usage } from '../agent/events.js';

export interface Pricing {
  input: number;
  cachedInput: number;
  output: number;
}

export function emptyUsage(): Usage {
  return { input_tokens: 0, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0 };
}

export function sumUsage(a: Usage, b: Usage): Usage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    cached_tokens: a.cached_tokens + b.cached_tokens,
    reasoning_tokens: a.reasoning_tokens + b.reasoning_tokens,
  };
}

/** Estimated USD for the tokens used (cached input at its own price). */
export function costOf(u: Usage, p: Pricing): number {
  const cached = Math.min(u.cached_tokens, u.input_tokens);
  return ((u.input_tokens - cached) * p.input + cached * p.cachedInput + u.output_tokens * p.output) / 1e6;
}
