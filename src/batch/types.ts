import type { AgentEvent, Usage } from '../agent/events.js';
import type { RunResult } from '../agent/types.js';

/** One line of a batch manifest. */
export interface BatchTask {
  id: string;
  /** a local path (absolute, or relative to the manifest) or a git URL */
  repo: string;
  task: string;
  ref?: string;
  test_cmd?: string;
  model?: string;
}

/**
 * How a batch runs one task: the same composition as `sedge exec` (loop, gate, recall, limits), built by the
 * cli and handed down, so batch never wires a run itself.
 */
export type TaskRunner = (
  dir: string,
  task: BatchTask,
  signal: AbortSignal,
  where: TaskPlaces,
) => AsyncGenerator<AgentEvent, TaskRunResult>;

/** Where a task's runner may write besides its checkout: its output folder and a scratch folder for worktrees. */
export interface TaskPlaces {
  /** DIR/<id> */
  out: string;
  /** a folder beside the task's checkout, under the batch's work root (removed when the task ends) */
  scratch: string;
}

/** What a task's run returns: an ordinary run's result, plus the choice when the task ran best-of-N. */
export type TaskRunResult = RunResult & { attempts?: TaskAttempts };

/** result.json's `attempts` (`batch --attempts N`): every attempt, which one won and why. */
export interface TaskAttempts {
  winner: number | null;
  reason: string;
  ranking: number[];
  /** the winner's change was applied to the task's checkout (and so is the task's patch.diff) */
  applied: boolean;
  apply_error?: string;
  judge?: { tied: number[]; choice: number | null; text: string };
  list: {
    index: number;
    model: string | null;
    temperature: number | null;
    status: string;
    reason: string;
    verified: boolean | null;
    tests: TestsSummary | null;
    diff_lines: number;
    tokens: Usage;
    cost_usd: number | null;
    duration_ms: number;
    /** its patch.diff, events.jsonl and result.json, relative to DIR/<id> */
    dir: string;
  }[];
}

/** done/tests_failed/failed/limit/aborted come from the run; timeout and error are the batch's own. */
export type TaskStatus = 'done' | 'tests_failed' | 'failed' | 'limit' | 'aborted' | 'timeout' | 'error';

export interface TestsSummary {
  command: string | null;
  passed: number | null;
  failed: number | null;
  summary: string;
}

export interface TaskResult {
  id: string;
  repo: string;
  status: TaskStatus;
  exit_code: number;
  reason: string;
  base_ref: string | null;
  /** the first gate run's view of failures already there before the change (null: tests never ran) */
  tests_before: { preexisting_failures: number } | null;
  tests_after: TestsSummary | null;
  verified: boolean | null;
  steps: number;
  tokens: Usage;
  cost_usd: number | null;
  duration_ms: number;
  /** where the wall time went: the batch's own steps (checkout, patch + files) around the run itself */
  timings: { checkout_ms: number; run_ms: number; finish_ms: number };
  /** bytes of patch.diff (0: no change) */
  patch_bytes: number;
  /** set when the task ran as best-of-N (`--attempts N`): tokens and cost above count every attempt */
  attempts?: TaskAttempts;
  started_at: string;
  finished_at: string;
}
