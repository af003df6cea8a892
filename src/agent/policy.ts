import type { ToolKind } from './events.js';

/**
 * How tool calls are approved:
 * - auto: everything runs (exec/batch until sandboxing lands; they say so)
 * - ask: execute-kind calls (the shell) ask a person first; reads, edits and thoughts run
 */
export type ApprovalMode = 'auto' | 'ask';

export type PolicyDecision = 'auto' | 'ask' | 'deny';

/** Pure: what to do with one call. `alwaysAllowed` holds tool names a person allowed for the session. */
export function decide(
  kind: ToolKind | 'unknown',
  name: string,
  mode: ApprovalMode,
  alwaysAllowed: ReadonlySet<string> = new Set(),
): PolicyDecision {
  if (mode === 'auto') return 'auto';
  if (kind !== 'execute') return 'auto';
  return alwaysAllowed.has(name) ? 'auto' : 'ask';
}
