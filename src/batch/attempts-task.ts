/**
 * `sedge batch --attempts N`: a task's run is a best-of-N run. The attempts go through runAttempts (the same
 * code as `sedge exec --attempts`) with the task's checkout as the repository: their worktrees come from it,
 * the winner's change is applied to it, and so the task's patch.diff (the checkout against its base) is the
 * winner's change. Every attempt's patch.diff, events.jsonl and result.json stay in DIR/<id>/attempts/<k>/.
 *
 * The task's own event stream (DIR/<id>/events.jsonl, the progress view, the budgets) is a summary: a
 * run_start, a usage event whenever an attempt reports usage (its total counts every attempt, so --max-tokens
 * and --max-cost see them all), the winner's last gate verdict, and a run_end with the winner's status and
 * the usage of all attempts together.
 */
import { rm } from 'node:fs/promises';
import { drainWhile } from '../agent/channel.js';
import { type AgentEvent, addUsage, EVENT_VERSION, emptyUsage, type EventInit, type Usage } from '../agent/events.js';
import type { RunStatus } from '../agent/events.js';
import type { JudgeCandidate, JudgeVerdict } from './attempt-judge.js';
import { type AttemptSpec, type AttemptStarter, type AttemptsSummary, runAttempts } from './attempts.js';
import type { BatchTask, TaskAttempts, TaskRunner, TaskRunResult } from './types.js';

export interface AttemptsTaskOptions {
  specs: AttemptSpec[];
  /** composes one attempt of this task in the attempt's worktree (the cli builds it, as for exec) */
  start: (task: BatchTask) => AttemptStarter;
  /** `--judge MODEL`, as for exec */
  judge?: (task: BatchTask, candidates: JudgeCandidate[], signal: AbortSignal) => Promise<JudgeVerdict>;
  costOf?: (u: Usage) => number;
}

type VerifyEvent = Extract<AgentEvent, { type: 'verify_result' }>;
type EndEvent = Extract<AgentEvent, { type: 'run_end' }>;

const RUN_STATUSES: readonly string[] = ['done', 'tests_failed', 'failed', 'aborted', 'limit'];

export function attemptsTaskRunner(o: AttemptsTaskOptions): TaskRunner {
  return async function* (dir, task, signal, where): AsyncGenerator<AgentEvent, TaskRunResult> {
    const started = Date.now();
    let seq = 0;
    const stamp = (e: EventInit): AgentEvent => ({ ...e, seq: seq++, ts: Date.now() }) as AgentEvent;
    const totals = new Map<number, Usage>();
    const verdicts = new Map<number, VerifyEvent>();
    const ends = new Map<number, EndEvent>();
    const sum = () => [...totals.values()].reduce(addUsage, emptyUsage());
    yield stamp({
      type: 'run_start',
      version: EVENT_VERSION,
      session_id: '',
      task: task.task,
      cwd: dir,
      model: [...new Set(o.specs.map((s) => s.model ?? task.model ?? ''))].filter(Boolean).join(',') || 'default',
      tools: [],
      approval: 'auto',
    });
    let summary: AttemptsSummary;
    try {
      summary = yield* drainWhile<AgentEvent, AttemptsSummary>((push) =>
        runAttempts({
          id: task.id,
          task: task.task,
          repoRoot: dir,
          cwd: dir,
          specs: o.specs,
          dir: where.out,
          worktreesDir: where.scratch,
          summaryName: 'attempts/summary.json',
          keepWorktrees: false,
          start: o.start(task),
          signal,
          ...(o.judge ? { judge: (c, s) => (o.judge as NonNullable<typeof o.judge>)(task, c, s) } : {}),
          onEvent: (spec, e) => {
            if (e.type === 'usage') {
              totals.set(spec.index, e.total);
              const total = sum();
              push(stamp({ ...e, total }));
            } else if (e.type === 'verify_result') verdicts.set(spec.index, e);
            else if (e.type === 'run_end') {
              ends.set(spec.index, e);
              totals.set(spec.index, e.usage);
            }
          },
        }),
      );
    } finally {
      await rm(where.scratch, { recursive: true, force: true }).catch(() => undefined);
    }
    const win = summary.winner !== null ? summary.attempts.find((a) => a.index === summary.winner) : undefined;
    const winEnd = win ? ends.get(win.index) : undefined;
    const verdict = win ? verdicts.get(win.index) : undefined;
    if (verdict) yield stamp({ ...verdict });
    const best = summary.attempts.find((a) => a.index === summary.ranking[0]);
    let status: RunStatus = win
      ? (win.status as RunStatus)
      : best && RUN_STATUSES.includes(best.status) && best.status !== 'done'
        ? (best.status as RunStatus)
        : 'failed';
    let reason = win
      ? `attempt ${win.index} of ${summary.attempts.length} chosen: ${summary.reason}`
      : `${summary.reason} (${summary.attempts.length} attempts)`;
    if (summary.apply_error) {
      status = 'failed';
      reason = `${reason}; its change did not apply: ${summary.apply_error}`;
    }
    if (signal.aborted && status === 'done') status = 'aborted';
    const usage = sum();
    const steps = winEnd?.steps ?? 0;
    const finalText = winEnd?.final_text ?? '';
    yield stamp({
      type: 'run_end',
      status,
      reason,
      final_text: finalText,
      steps,
      usage,
      duration_ms: Date.now() - started,
      verified: win ? win.verified : null,
    });
    return { status, reason, finalText, steps, messages: [], attempts: describe(summary, o.costOf) };
  };
}

function describe(s: AttemptsSummary, costOf?: (u: Usage) => number): TaskAttempts {
  return {
    winner: s.winner,
    reason: s.reason,
    ranking: s.ranking,
    applied: s.applied,
    ...(s.apply_error ? { apply_error: s.apply_error } : {}),
    ...(s.judge ? { judge: s.judge } : {}),
    list: s.attempts.map((a) => ({
      index: a.index,
      model: a.model,
      temperature: a.temperature,
      status: a.status,
      reason: a.reason,
      verified: a.verified,
      tests: a.tests,
      diff_lines: a.diffLines,
      tokens: a.usage,
      cost_usd: costOf ? Math.round(costOf(a.usage) * 1e6) / 1e6 : null,
      duration_ms: a.duration_ms,
      dir: `attempts/${a.index}`,
    })),
  };
}
