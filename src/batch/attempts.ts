import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { RunSignal } from '../agent/composition.js';
import type { AgentEvent, Usage } from '../agent/events.js';
import { emptyUsage } from '../agent/events.js';
import type { RunResult } from '../agent/types.js';
import type { JudgeCandidate, JudgeVerdict } from './attempt-judge.js';
import { type AttemptFacts, diffLineCount, selectAttempt, type Selection } from './attempt-select.js';
import type { AttemptChoice, TestsSummary } from './types.js';
import { checkoutTask, diffAgainstBase, git, type TaskCheckout } from './workspace.js';

/** One attempt's settings: which model, at which temperature (unset: the run's own). */
export interface AttemptSpec {
  index: number;
  model?: string;
  temperature?: number;
}

/** What the attempt runner gets back from the cli for one attempt: the composed run in the attempt's worktree. */
export interface AttemptRun {
  run: AsyncGenerator<AgentEvent, RunResult>;
  sessionId: string;
  model: string;
  /** after the choice: tell the attempt's trace record whether it won and why */
  signal?(s: RunSignal): Promise<void>;
  close(): Promise<void>;
}

/** Built by the cli: compose() with cwd = the attempt's worktree, so every attempt is an ordinary run. */
export type AttemptStarter = (cwd: string, spec: AttemptSpec, signal: AbortSignal) => Promise<AttemptRun>;

export interface AttemptResult extends AttemptFacts {
  model: string | null;
  temperature: number | null;
  session_id: string | null;
  reason: string;
  tests: TestsSummary | null;
  usage: Usage;
  duration_ms: number;
  /** the attempt's change against the base, for `git apply` */
  patch_file: string;
  /** the kept worktree (--keep-worktrees), else null */
  worktree: string | null;
}

/** The `--json` summary line and summary.json: every attempt, the winner and why, and what was applied. */
export interface AttemptsSummary extends AttemptChoice {
  type: 'attempts_summary';
  id: string;
  task: string;
  base_ref: string;
  dir: string;
  attempts: AttemptResult[];
}

export interface AttemptsOptions {
  /** an id for this best-of-N run (its folder under the state dir) */
  id: string;
  task: string;
  repoRoot: string;
  /** where the user ran sedge (a folder inside repoRoot): each attempt runs in the same folder of its worktree */
  cwd: string;
  specs: AttemptSpec[];
  /** the run's folder: attempts/<n>/{patch.diff,events.jsonl,result.json}, worktrees/<n>, summary.json */
  dir: string;
  /** where the attempts' worktrees go instead of dir/worktrees (batch: beside the task's checkout) */
  worktreesDir?: string;
  /** the summary's path relative to dir (default summary.json) */
  summaryName?: string;
  keepWorktrees: boolean;
  start: AttemptStarter;
  signal: AbortSignal;
  onEvent?: (spec: AttemptSpec, e: AgentEvent) => void;
  onAttemptEnd?: (result: AttemptResult) => void;
  /** breaks a tie left after every rule (`--judge MODEL`); null keeps the rules' choice */
  judge?: (candidates: JudgeCandidate[], signal: AbortSignal) => Promise<JudgeVerdict>;
}

/**
 * Runs N attempts at one task in parallel, each in its own git worktree from the same base (the user's
 * tracked changes included, via `git stash create`), chooses one (attempt-select.ts) and applies its diff
 * to the user's working tree with `git apply`. Every attempt's diff, events and result stay in `dir`.
 */
export async function runAttempts(opts: AttemptsOptions): Promise<AttemptsSummary> {
  await mkdir(opts.dir, { recursive: true, mode: 0o700 });
  const stash = (await git(opts.repoRoot, ['stash', 'create']).catch(() => '')).trim();
  const baseRef = stash || (await git(opts.repoRoot, ['rev-parse', '--verify', 'HEAD'])).trim();
  const rel = relative(opts.repoRoot, opts.cwd);

  const runs = new Map<number, AttemptRun>();
  const results = await Promise.all(opts.specs.map((spec) => runOne(spec, baseRef, rel, opts, runs)));
  const selection: Selection = selectAttempt(results);
  let judged: AttemptsSummary['judge'];
  if (opts.judge && selection.tied.length > 1 && !opts.signal.aborted) {
    const candidates = await Promise.all(
      selection.tied.map(async (index) => ({
        index,
        patch: await readFile(join(opts.dir, 'attempts', String(index), 'patch.diff'), 'utf8'),
      })),
    );
    const verdict = await opts.judge(candidates, opts.signal).catch((err: Error) => ({
      winner: null,
      text: `the judge failed: ${err.message}`,
    }));
    judged = { tied: selection.tied, choice: verdict.winner, text: verdict.text };
    if (verdict.winner !== null) {
      const tied = selection.tied.join(', ');
      selection.reason = `${selection.reason.replace(/; tied with .*$/, '')}; the judge chose it among tied attempts ${tied}`;
      selection.ranking = [verdict.winner, ...selection.ranking.filter((i) => i !== verdict.winner)];
      selection.winner = verdict.winner;
    }
  }
  for (const [index, run] of runs) {
    const { winner, reason } = selection;
    const s = { kind: 'attempt' as const, run_id: opts.id, index, of: results.length, chosen: index === winner };
    await run.signal?.({ ...s, winner, reason }).catch(() => undefined);
  }
  const summary: AttemptsSummary = {
    type: 'attempts_summary',
    id: opts.id,
    task: opts.task,
    base_ref: baseRef,
    dir: opts.dir,
    attempts: results,
    winner: selection.winner,
    reason: selection.reason,
    ranking: selection.ranking,
    applied: false,
    ...(judged ? { judge: judged } : {}),
  };
  const win = results.find((r) => r.index === selection.winner);
  if (win && win.diffLines > 0 && !opts.signal.aborted) {
    try {
      await git(opts.repoRoot, ['apply', '--whitespace=nowarn', win.patch_file]);
      summary.applied = true;
    } catch (err) {
      summary.apply_error = (err as Error).message;
    }
  }
  const summaryPath = join(opts.dir, opts.summaryName ?? 'summary.json');
  await writeFile(summaryPath, `${JSON.stringify(summary, null, 2)}\n`, { mode: 0o600 });
  return summary;
}

async function runOne(
  spec: AttemptSpec,
  baseRef: string,
  rel: string,
  opts: AttemptsOptions,
  runs: Map<number, AttemptRun>,
): Promise<AttemptResult> {
  const started = Date.now();
  const adir = join(opts.dir, 'attempts', String(spec.index));
  await mkdir(adir, { recursive: true, mode: 0o700 });
  const result: AttemptResult = {
    index: spec.index,
    status: 'error',
    verified: null,
    newFailures: null,
    diffLines: 0,
    tokens: 0,
    model: spec.model ?? null,
    temperature: spec.temperature ?? null,
    session_id: null,
    reason: '',
    tests: null,
    usage: emptyUsage(),
    duration_ms: 0,
    patch_file: join(adir, 'patch.diff'),
    worktree: null,
  };
  const lines: string[] = [];
  let checkout: TaskCheckout | null = null;
  let patch = '';
  try {
    const wt = join(opts.worktreesDir ?? join(opts.dir, 'worktrees'), String(spec.index));
    checkout = await checkoutTask({ id: String(spec.index), repo: opts.repoRoot, task: opts.task, ref: baseRef }, wt);
    const attempt = await opts.start(join(wt, rel), spec, opts.signal);
    runs.set(spec.index, attempt);
    result.session_id = attempt.sessionId;
    result.model = attempt.model;
    try {
      while (true) {
        const next = await attempt.run.next();
        if (next.done) break;
        const e = next.value;
        lines.push(JSON.stringify(e));
        opts.onEvent?.(spec, e);
        if (e.type === 'verify_result') {
          result.newFailures = e.ok ? 0 : e.new_failures.length || (e.failed ?? 1);
          result.tests = { command: e.command, passed: e.passed, failed: e.failed, summary: e.summary };
        } else if (e.type === 'run_end') {
          result.status = e.status;
          result.reason = e.reason;
          result.verified = e.verified;
          result.usage = e.usage;
          result.tokens = e.usage.input_tokens + e.usage.output_tokens;
        }
      }
    } finally {
      await attempt.close();
    }
    patch = await diffAgainstBase(checkout.dir, checkout.baseRef);
    result.diffLines = diffLineCount(patch);
  } catch (err) {
    result.status = 'error';
    result.reason = (err as Error).message;
  } finally {
    if (checkout) {
      if (opts.keepWorktrees) result.worktree = checkout.dir;
      else await checkout.cleanup().catch(() => undefined);
    }
  }
  result.duration_ms = Date.now() - started;
  await writeFile(result.patch_file, patch, { mode: 0o600 });
  await writeFile(join(adir, 'events.jsonl'), lines.length ? `${lines.join('\n')}\n` : '', { mode: 0o600 });
  await writeFile(join(adir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`, { mode: 0o600 });
  opts.onAttemptEnd?.(result);
  return result;
}
