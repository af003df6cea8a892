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

/** "2,0.5,8" (SEDGE_PRICE_PER_MTOK) -> USD per million input, cached input and output tokens; else no estimate. */
export function parsePricing(v: string | undefined): Pricing | null {
  if (!v) return null;
  const n = v.split(',').map((x) => Number(x.trim()));
  if (n.length !== 3 || n.some((x) => !Number.isFinite(x) || x < 0)) return null;
  return { input: n[0] as number, cachedInput: n[1] as number, output: n[2] as number };
}
