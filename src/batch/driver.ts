import { mkdir } from 'node:fs/promises';
import type { AgentEvent, Usage } from '../agent/events.js';
import { addUsage, emptyUsage } from '../agent/events.js';
import { appendSummary, ensureOutDir, finishedResults, removeIfEmpty, repairSummary } from './outputs.js';
import { runOneTask } from './task.js';
import type { BatchTask, TaskResult, TaskRunner } from './types.js';

/** What the driver tells a progress view. */
export type BatchProgress =
  | { type: 'batch_start'; total: number; already_finished: number; concurrency: number }
  | { type: 'task_start'; id: string }
  | { type: 'task_event'; id: string; event: AgentEvent }
  | { type: 'task_end'; result: TaskResult }
  | { type: 'stop'; reason: string; not_started: string[] };

export interface BatchOptions {
  /** this shard's tasks, in manifest order */
  tasks: BatchTask[];
  out: string;
  /** where task checkouts live (never inside a user's repository) */
  workRoot: string;
  concurrency: number;
  runTask: TaskRunner;
  /** a finished task (result.json present) is skipped; without resume the caller refuses a used DIR */
  resume: boolean;
  timeoutMs: number;
  graceMs?: number;
  maxCostUsd?: number;
  maxTokens?: number;
  costOf?: (u: Usage) => number;
  signal: AbortSignal;
  onProgress?: (p: BatchProgress) => void;
}

export interface BatchOutcome {
  /** every finished task of this shard, earlier runs included, in manifest order */
  results: TaskResult[];
  /** set when a budget stopped the batch from starting more tasks */
  stopped: string | null;
  notStarted: string[];
  interrupted: boolean;
}

const tokensOf = (u: Usage) => u.input_tokens + u.output_tokens;

/**
 * The worker pool: up to `concurrency` tasks at once, each isolated in its own checkout with its own
 * timeout, so one hanging or crashing task never stops the batch. Budgets count every token spent by this
 * shard, including tasks still running; once one is reached no new task starts, and the summary says so.
 */
export async function runBatch(opts: BatchOptions): Promise<BatchOutcome> {
  await ensureOutDir(opts.out);
  await mkdir(opts.workRoot, { recursive: true, mode: 0o700 });
  const earlier = opts.resume
    ? await finishedResults(
        opts.out,
        opts.tasks.map((t) => t.id),
      )
    : new Map<string, TaskResult>();
  if (opts.resume) await repairSummary(opts.out, earlier);
  const queue = opts.tasks.filter((t) => !earlier.has(t.id));
  opts.onProgress?.({
    type: 'batch_start',
    total: opts.tasks.length,
    already_finished: earlier.size,
    concurrency: opts.concurrency,
  });

  let spent = [...earlier.values()].reduce((u, r) => addUsage(u, r.tokens), emptyUsage());
  const live = new Map<string, Usage>();
  const total = () => [...live.values()].reduce(addUsage, spent);
  const overBudget = (): string | null => {
    const u = total();
    if (opts.maxTokens !== undefined && tokensOf(u) >= opts.maxTokens)
      return `--max-tokens ${opts.maxTokens} reached (${tokensOf(u)} tokens spent)`;
    if (opts.maxCostUsd !== undefined && opts.costOf) {
      const usd = opts.costOf(u);
      if (usd >= opts.maxCostUsd) return `--max-cost ${opts.maxCostUsd} USD reached (${usd.toFixed(4)} USD spent)`;
    }
    return null;
  };

  const results = new Map(earlier);
  let stopped: string | null = null;
  let next = 0;
  const worker = async () => {
    while (next < queue.length && !opts.signal.aborted) {
      stopped ??= overBudget();
      if (stopped) return;
      const task = queue[next++] as BatchTask;
      opts.onProgress?.({ type: 'task_start', id: task.id });
      live.set(task.id, emptyUsage());
      const result = await runOneTask(task, {
        out: opts.out,
        workRoot: opts.workRoot,
        runTask: opts.runTask,
        timeoutMs: opts.timeoutMs,
        graceMs: opts.graceMs ?? 10_000,
        ...(opts.costOf ? { costOf: opts.costOf } : {}),
        signal: opts.signal,
        onEvent: (event) => {
          if (event.type === 'usage') live.set(task.id, event.total);
          opts.onProgress?.({ type: 'task_event', id: task.id, event });
        },
      }).catch((err: Error): TaskResult | null => (opts.signal.aborted ? null : fail(task, err)));
      live.delete(task.id);
      if (!result) continue;
      spent = addUsage(spent, result.tokens);
      results.set(task.id, result);
      await appendSummary(opts.out, { type: 'task', ...result });
      opts.onProgress?.({ type: 'task_end', result });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker));

  const notStarted = stopped ? queue.slice(next).map((t) => t.id) : [];
  if (stopped) {
    await appendSummary(opts.out, { type: 'stop', reason: stopped, not_started: notStarted });
    opts.onProgress?.({ type: 'stop', reason: stopped, not_started: notStarted });
  }
  await removeIfEmpty(opts.workRoot);
  return {
    results: opts.tasks.flatMap((t) => results.get(t.id) ?? []),
    stopped,
    notStarted,
    interrupted: opts.signal.aborted,
  };
}

/** A task whose bookkeeping itself failed (disk full, ...): recorded as an error, the batch goes on. */
function fail(task: BatchTask, err: Error): TaskResult {
  const now = new Date().toISOString();
  return {
    id: task.id,
    repo: task.repo,
    status: 'error',
    exit_code: 1,
    reason: `internal: ${err.message}`,
    base_ref: null,
    tests_before: null,
    tests_after: null,
    verified: null,
    steps: 0,
    tokens: emptyUsage(),
    cost_usd: null,
    duration_ms: 0,
    timings: { checkout_ms: 0, run_ms: 0, finish_ms: 0 },
    patch_bytes: 0,
    started_at: now,
    finished_at: now,
  };
}
