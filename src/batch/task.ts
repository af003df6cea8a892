import { join } from 'node:path';
import type { AgentEvent, Usage } from '../agent/events.js';
import { emptyUsage } from '../agent/events.js';
import { clearTaskDir, openEventLog, taskDir, writeTaskFiles } from './outputs.js';
import type { VerifyOutcome } from '../agent/events.js';
import type { BatchTask, TaskAttempts, TaskResult, TaskRunner, TaskStatus, TestsAfter, TestsBefore } from './types.js';
import { checkoutTask, diffAgainstBase, type TaskCheckout } from './workspace.js';

export interface RunOneOptions {
  out: string;
  workRoot: string;
  runTask: TaskRunner;
  /** per-task wall clock, ms (0: none) */
  timeoutMs: number;
  /** after an abort, how long the run gets to end by itself before it is abandoned, ms */
  graceMs: number;
  costOf?: (u: Usage) => number;
  signal: AbortSignal;
  onEvent?: (e: AgentEvent) => void;
}

/** Exit codes as `sedge exec` gives them (README, "Exit codes"); timeout is a limit, a broken checkout a failure. */
const EXIT_CODE: Record<TaskStatus, number> = {
  done: 0,
  tests_failed: 1,
  failed: 1,
  error: 1,
  limit: 4,
  timeout: 4,
  aborted: 130,
};

/**
 * Run one task start to end: its own checkout, the run (the composition the cli handed in), then
 * events.jsonl, patch.diff and result.json (last: it marks the task finished). Returns null when the batch
 * itself was interrupted: the task is unfinished and --resume runs it again.
 */
export async function runOneTask(task: BatchTask, opts: RunOneOptions): Promise<TaskResult | null> {
  const dir = taskDir(opts.out, task.id);
  const started = Date.now();
  await clearTaskDir(dir);
  const log = await openEventLog(dir);
  const base = {
    id: task.id,
    repo: task.repo,
    started_at: new Date(started).toISOString(),
  };
  type Fields = Omit<
    TaskResult,
    'id' | 'repo' | 'started_at' | 'finished_at' | 'duration_ms' | 'exit_code' | 'timings'
  >;
  const timings = { checkout_ms: 0, run_ms: 0, finish_ms: 0 };
  let mark = performance.now();
  const lap = () => {
    const now = performance.now();
    const ms = Math.round(now - mark);
    mark = now;
    return ms;
  };
  const finish = async (r: Fields, patch: string, modelFailed = false) => {
    timings.finish_ms = lap(); // diff, checkout removal, event log; result.json itself is the last write
    const result: TaskResult = {
      ...base,
      ...r,
      timings,
      // a failure caused by the provider is 3, as in `sedge exec`
      exit_code: r.status === 'failed' && modelFailed ? 3 : EXIT_CODE[r.status],
      duration_ms: Date.now() - started,
      finished_at: new Date().toISOString(),
    };
    await log.commit();
    await writeTaskFiles(dir, patch, result);
    return result;
  };
  const empty = {
    base_ref: null,
    tests_before: null,
    tests_after: null,
    verified: null,
    steps: 0,
    tokens: emptyUsage(),
    cost_usd: null,
    patch_bytes: 0,
  };

  let checkout: TaskCheckout;
  try {
    checkout = await checkoutTask(task, join(opts.workRoot, task.id));
    timings.checkout_ms = lap();
  } catch (err) {
    if (opts.signal.aborted) return log.discard().then(() => null);
    return finish({ ...empty, status: 'error', reason: (err as Error).message }, '');
  }

  const ctl = new AbortController();
  const onBatchAbort = () => ctl.abort(opts.signal.reason);
  opts.signal.addEventListener('abort', onBatchAbort, { once: true });
  let timedOut = false;
  const timer =
    opts.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          ctl.abort(new Error('task timeout'));
        }, opts.timeoutMs)
      : undefined;
  // A run that does not end within the grace after an abort is abandoned, so one task never holds the batch.
  const abandoned = new Promise<'abandoned'>((resolve) => {
    ctl.signal.addEventListener('abort', () => setTimeout(() => resolve('abandoned'), opts.graceMs).unref(), {
      once: true,
    });
  });

  let status: TaskStatus = 'error';
  let reason = '';
  let steps = 0;
  let verified: boolean | null = null;
  let tokens = emptyUsage();
  let testsAfter: TestsAfter | null = null;
  let testsBefore: TaskResult['tests_before'] = null;
  let modelFailed = false;
  let attempts: TaskAttempts | undefined;
  try {
    const scratch = join(opts.workRoot, `${task.id}.attempts`);
    const run = opts.runTask(checkout.dir, task, ctl.signal, { out: dir, scratch });
    while (true) {
      const next = await Promise.race([run.next(), abandoned]);
      if (next === 'abandoned') {
        void run.return?.(undefined as never).catch(() => undefined);
        reason = 'the run did not stop after it was aborted';
        break;
      }
      if (next.done) {
        attempts = next.value?.attempts;
        break;
      }
      const e = next.value;
      log.write(`${JSON.stringify(e)}\n`);
      opts.onEvent?.(e);
      if (e.type === 'usage') tokens = e.total;
      else if (e.type === 'error' && e.fatal && e.source === 'model') modelFailed = true;
      else if (e.type === 'verify_result') {
        testsBefore = before(e) ?? testsBefore;
        testsAfter = after(e);
      } else if (e.type === 'run_end') {
        status = e.status;
        reason = e.reason;
        steps = e.steps;
        verified = e.verified;
        tokens = e.usage;
      }
    }
  } catch (err) {
    status = 'error';
    reason = `the run crashed: ${(err as Error).message}`;
  } finally {
    clearTimeout(timer);
    opts.signal.removeEventListener('abort', onBatchAbort);
  }
  timings.run_ms = lap();
  if (timedOut) {
    status = 'timeout';
    reason = `per-task timeout (${Math.round(opts.timeoutMs / 1000)} s) reached`;
  } else if (status === 'limit' && /time limit/.test(reason)) status = 'timeout';
  let cleaned = false;
  try {
    if (opts.signal.aborted && !timedOut) {
      await log.discard();
      return null;
    }
    let patch = '';
    try {
      patch = await diffAgainstBase(checkout.dir, checkout.baseRef);
    } catch (err) {
      reason = `${reason}; no patch: ${(err as Error).message}`;
    }
    cleaned = true;
    await checkout.cleanup().catch(() => undefined);
    return await finish(
      {
        status,
        reason,
        base_ref: checkout.baseRef,
        tests_before: testsBefore,
        tests_after: testsAfter,
        verified,
        steps,
        tokens,
        cost_usd: opts.costOf ? round6(opts.costOf(tokens)) : null,
        patch_bytes: Buffer.byteLength(patch),
        ...(attempts ? { attempts } : {}),
      },
      patch,
      modelFailed,
    );
  } finally {
    if (!cleaned) await checkout.cleanup().catch(() => undefined);
  }
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** The baseline as a verify_result reports it (null: no baseline finished). */
function before(e: VerifyOutcome): TestsBefore | null {
  if (!e.baseline) return null;
  return { command: e.command, ...e.baseline, preexisting_failures: e.preexisting.length };
}

/** The gate's check; when it did not run the tests again (nothing changed) the baseline stands for it. */
function after(e: VerifyOutcome): TestsAfter {
  const rerun = e.rerun === true;
  const counts =
    e.rerun === false && e.baseline ? e.baseline : { passed: e.passed, failed: e.failed, failing: failingOf(e) };
  return { command: e.command, ...counts, fixed: e.fixed ?? [], rerun, summary: e.summary };
}

function failingOf(e: VerifyOutcome): string[] {
  if (e.suites?.length) {
    const many = e.suites.length > 1;
    return e.suites.flatMap((s) => (many ? s.failing.map((id) => `${s.name}: ${id}`) : s.failing));
  }
  return [...e.new_failures, ...e.preexisting];
}
