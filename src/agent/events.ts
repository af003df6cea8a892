/**
 * AgentEvent: the one stream every front end, the session file and the trace recorder consume.
 * `--json` prints exactly these, one per line. Bump EVENT_VERSION on any incompatible change.
 */
import type { Usage } from '../model/types.js';
import type { ToolData, ToolKind } from '../tools/tool.js';

export type { Usage } from '../model/types.js';
export { emptyUsage, addUsage } from '../model/types.js';
export type { ToolData, ToolKind } from '../tools/tool.js';

export const EVENT_VERSION = 1;

export type RunStatus = 'done' | 'tests_failed' | 'failed' | 'aborted' | 'limit';

export interface VerifyOutcome {
  command: string | null;
  /** true when no new failure blocks the run */
  ok: boolean;
  /** counts, when the runner reported them */
  passed: number | null;
  failed: number | null;
  new_failures: string[];
  preexisting: string[];
  duration_ms: number;
  output_file: string | null;
  /** one line a person can read: "12 passed, 1 failed (1 new)" */
  summary: string;
  /** set when tests could not run at all (no command found, runner crashed before tests) */
  skipped_reason?: string;
  /** each suite the gate ran (one per CI test job), ids only in the lists */
  suites?: SuiteOutcome[];
  /** prose for people: fallbacks used, suites that cannot run here, files the test run itself changed */
  notes?: string[];
  /** the baseline run (before the run's first change), summed over the suites; null when it did not run */
  baseline?: TestCounts | null;
  /** tests failing in the baseline that pass in this check (empty when the tests were not run again) */
  fixed?: string[];
  /** true: this check ran the tests; false: nothing changed, so the baseline stands for it */
  rerun?: boolean;
}

/** Counts and failing test ids of one gate run (ids tagged "suite: id" when there are several suites). */
export interface TestCounts {
  passed: number | null;
  failed: number | null;
  failing: string[];
}

export interface SuiteOutcome {
  name: string;
  command: string;
  cwd: string;
  status: 'passed' | 'failed' | 'no tests' | 'could not run' | 'not run';
  exit_code: number | null;
  passed: number | null;
  failed: number | null;
  /** failing test ids as the runner names them */
  failing: string[];
  new_failures: string[];
  preexisting: string[];
  /** why the pre-existing ones are counted so */
  preexisting_why?: string;
  output_file: string | null;
}

export interface RecallItem {
  id: string;
  task: string;
  outcome: string;
  score: number;
}

type E<T extends string, P> = { type: T; seq: number; ts: number } & P;

export type AgentEvent =
  | E<
      'run_start',
      {
        version: number;
        session_id: string;
        task: string;
        cwd: string;
        model: string;
        tools: string[];
        /** how tool calls are approved in this run */
        approval: string;
      }
    >
  | E<'step_start', { step: number }>
  | E<'assistant_delta', { text: string }>
  | E<'assistant_message', { text: string; tool_calls: { id: string; name: string; arguments: string }[] }>
  | E<'thought', { text: string; source: 'think' | 'reasoning' }>
  | E<'tool_start', { call_id: string; name: string; kind: ToolKind | 'unknown'; args: unknown; title: string }>
  | E<'tool_output', { call_id: string; text: string }>
  | E<
      'tool_end',
      {
        call_id: string;
        name: string;
        is_error: boolean;
        /** what the model was sent */
        output: string;
        /** what a person should see, when it differs from output */
        display?: string;
        data?: ToolData;
        duration_ms: number;
      }
    >
  | E<'approval', { call_id: string; name: string; decision: 'auto' | 'approved' | 'denied'; reason?: string }>
  | E<'recall', { items: RecallItem[]; files: string[]; tokens: number }>
  | E<'verify_start', { round: number; command: string | null }>
  | E<'verify_result', { round: number } & VerifyOutcome>
  | E<'usage', { step: number } & Usage & { total: Usage }>
  /** a deliberate think call answered by the think model: its usage, apart from the loop's */
  | E<'think_usage', { call_id: string; model: string } & Usage & { total: Usage }>
  /** old tool results elided in one step (the fixed prefix untouched) */
  | E<'compaction', { before_tokens: number; after_tokens: number; elided: number; count: number }>
  | E<'error', { message: string; source: 'model' | 'tool' | 'config' | 'sandbox' | 'internal'; fatal: boolean }>
  /**
   * What the person did with an earlier run's change, learned after it ended: undid it (/undo), edited one of
   * its files again outside sedge, committed it. Appended to that run's session file (never part of a run's
   * own stream); `trace_id` names the run's trace record, `run_started_at` its run_start's ts.
   */
  | E<
      'signal',
      {
        kind: 'undone' | 'edited_again' | 'committed';
        trace_id: string;
        run_started_at: number;
        files?: string[];
        commit?: string;
      }
    >
  | E<
      'run_end',
      {
        status: RunStatus;
        reason: string;
        final_text: string;
        steps: number;
        usage: Usage;
        /** deliberate think calls' usage (think_model), when any: not part of `usage` */
        think_usage?: Usage;
        duration_ms: number;
        /** true: the gate passed; false: it failed; null: tests were not run */
        verified: boolean | null;
      }
    >;

export type AgentEventType = AgentEvent['type'];

/** An event before the loop stamps it with seq and ts. */
export type EventInit = AgentEvent extends infer T ? (T extends AgentEvent ? Omit<T, 'seq' | 'ts'> : never) : never;
