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
/** Which attempt of a best-of-N run won, and why: in the attempts summary and in a batch task's result. */
export interface AttemptChoice {
  winner: number | null;
  reason: string;
  ranking: number[];
  /** the winner's change was applied to the task's checkout (and so is the task's patch.diff) */
  applied: boolean;
  apply_error?: string;
  /** set when --judge broke a tie */
  judge?: { tied: number[]; choice: number | null; text: string };
}

export interface TaskAttempts extends AttemptChoice {
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

/** The gate's baseline: the tests as they were before the run changed anything. */
export interface TestsBefore {
  command: string | null;
  passed: number | null;
  failed: number | null;
  /** failing test ids as the runner names them ("exit code 1" when it names none) */
  failing: string[];
  /** of those, how many the gate counted as pre-existing in its last check */
  preexisting_failures: number;
}

export interface TestsSummary {
  command: string | null;
  passed: number | null;
  failed: number | null;
  summary: string;
}

/** The gate's last check (or, when the run changed nothing, the baseline again: `rerun` false). */
export interface TestsAfter extends TestsSummary {
  failing: string[];
  /** baseline failures that pass in this check */
  fixed: string[];
  /** false: nothing changed, so the tests were not run again and these figures are the baseline's */
  rerun: boolean;
}

export interface TaskResult {
  id: string;
  repo: string;
  status: TaskStatus;
  exit_code: number;
  reason: string;
  base_ref: string | null;
  /** the gate's baseline run, before the change (null: tests never ran) */
  tests_before: TestsBefore | null;
  tests_after: TestsAfter | null;
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
