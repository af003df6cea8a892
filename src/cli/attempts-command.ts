import { join } from 'node:path';
import type { Io, RunSignal } from '../agent/composition.js';
import { newSessionId } from '../agent/session-log.js';
import {
  type AttemptResult,
  type AttemptSpec,
  type AttemptStarter,
  type AttemptsSummary,
  runAttempts,
} from '../batch/attempts.js';
import type { BackoffGate } from '../model/backoff-gate.js';
import { type JudgeCandidate, type JudgeVerdict, judgeTie } from '../batch/attempt-judge.js';
import { stateDir } from '../config/paths.js';
import { readPrompt } from '../config/prompts.js';
import type { FlagValues } from '../config/schema.js';
import { EXIT } from '../headless/exit-codes.js';
import { findRepoRoot } from '../repo/root.js';
import { UsageError } from './args.js';
import { type ComposeOptions, compose } from './compose.js';

export interface AttemptsRequest {
  task: string;
  cwd: string;
  flags: FlagValues;
  keepWorktrees: boolean;
  /** --judge MODEL: breaks ties by reading the diffs */
  judge?: string;
  json: boolean;
  progress: (s: string) => void;
}

/** Parse `--attempts N --models a,b --temperatures 0.2,0.8` into one spec per attempt (lists cycle). */
export function attemptSpecs(n: string | undefined, models?: string, temperatures?: string): AttemptSpec[] {
  // without --attempts, one attempt per listed model or temperature
  const count = n === undefined ? Math.max(list(models).length, list(temperatures).length, 1) : Number(n);
  if (!Number.isInteger(count) || count < 1 || count > 16)
    throw new UsageError(`--attempts needs a whole number from 1 to 16, got "${n}"`);
  const ms = list(models);
  const ts = list(temperatures).map((t) => {
    const x = Number(t);
    if (!Number.isFinite(x) || x < 0 || x > 2) throw new UsageError(`--temperatures needs numbers 0..2, got "${t}"`);
    return x;
  });
  return Array.from({ length: count }, (_, i) => ({
    index: i + 1,
    ...(ms.length ? { model: ms[i % ms.length] as string } : {}),
    ...(ts.length ? { temperature: ts[i % ts.length] as number } : {}),
  }));
}

const list = (v?: string) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** `sedge exec --attempts N`: one composition per attempt, each in its own worktree; the winner is applied. */
export async function runAttemptsCommand(req: AttemptsRequest, specs: AttemptSpec[], io: Io): Promise<number> {
  const root = findRepoRoot(req.cwd);
  if (!root) {
    io.stderr.write('sedge exec: --attempts needs a git repository (each attempt gets its own worktree)\n');
    return EXIT.usage;
  }
  const id = newSessionId();
  const dir = join(stateDir(io.env), 'attempts', id);
  const out = (s: string) => void io.stdout.write(s);
  const ctl = new AbortController();
  const onSigint = () => ctl.abort(new Error('interrupted'));
  const signals = io.signals ?? process;
  signals.on('SIGINT', onSigint);
  signals.on('SIGTERM', onSigint);
  const warn = (m: string) => req.progress(`sedge: ${m}\n`);
  let summary: AttemptsSummary;
  try {
    summary = await runAttempts({
      id,
      task: req.task,
      repoRoot: root,
      cwd: req.cwd,
      specs,
      dir,
      keepWorktrees: req.keepWorktrees,
      signal: ctl.signal,
      start: attemptStarter(
        { env: io.env, flags: req.flags, warn, announce: req.progress, baselines: new Map() },
        req.task,
        specs.length,
      ),
      ...(req.judge
        ? {
            judge: (candidates, signal) =>
              judgeWith({ ...req, judge: req.judge as string, env: io.env }, root, candidates, signal),
          }
        : {}),
      onAttemptEnd: (r) => {
        if (req.json) out(`${JSON.stringify({ type: 'attempt_end', ...r })}\n`);
        else req.progress(`attempt ${r.index}: ${attemptLine(r)}\n`);
      },
    });
  } finally {
    signals.off('SIGINT', onSigint);
    signals.off('SIGTERM', onSigint);
  }
  if (req.json) out(`${JSON.stringify(summary)}\n`);
  else out(renderSummary(summary));
  if (ctl.signal.aborted) return EXIT.interrupted;
  return summary.winner !== null && !summary.apply_error ? EXIT.done : EXIT.failed;
}

/** What every attempt of one task is composed from (exec: the command's flags; batch: the task's). */
export interface AttemptBase {
  env: Record<string, string | undefined>;
  flags: FlagValues;
  /** a 429 backoff shared with other compositions (batch workers) */
  backoff?: BackoffGate;
  warn: (message: string) => void;
  /** one line when an attempt starts */
  announce?: (line: string) => void;
  /** test baselines the attempts share (they start from the same tree) */
  baselines?: ComposeOptions['baselines'];
}

/** Each attempt is an ordinary composition (compose()) in its worktree, with its own model and temperature. */
export function attemptStarter(base: AttemptBase, task: string, count: number): AttemptStarter {
  return async (cwd, spec, signal) => {
    const flags = { ...base.flags, ...(spec.model ? { model: spec.model } : {}) };
    const c = await compose({
      cwd,
      env: base.env,
      flags,
      approvalMode: 'auto',
      ...(base.backoff ? { backoff: base.backoff } : {}),
      ...(spec.temperature !== undefined ? { temperature: spec.temperature } : {}),
      ...(base.baselines ? { baselines: base.baselines } : {}),
      onWarning: (m) => base.warn(`attempt ${spec.index}: ${m}`),
    });
    base.announce?.(`attempt ${spec.index}/${count}: ${describe(c.settings.model, spec)} in ${cwd}\n`);
    const run = c.run(task, signal);
    const signalRun = async (s: RunSignal) => c.signalLastRun?.(s);
    return { run, sessionId: c.sessionId, model: c.settings.model, signal: signalRun, close: c.close };
  };
}

/** The judge is composed like any run (same endpoint settings), with --judge as its model. */
export async function judgeWith(
  req: {
    task: string;
    flags: FlagValues;
    judge: string;
    env: Record<string, string | undefined>;
    progress?: (s: string) => void;
  },
  root: string,
  candidates: JudgeCandidate[],
  signal: AbortSignal,
): Promise<JudgeVerdict> {
  const c = await compose({ cwd: root, env: req.env, flags: { ...req.flags, model: req.judge }, approvalMode: 'auto' });
  try {
    req.progress?.(
      `judge ${c.settings.model}: breaking a tie between attempts ${candidates.map((x) => x.index).join(', ')}\n`,
    );
    return await judgeTie(c.model, readPrompt('judge.md'), req.task, candidates, signal);
  } finally {
    await c.close();
  }
}

function describe(model: string, spec: AttemptSpec): string {
  return spec.temperature !== undefined ? `${model} at temperature ${spec.temperature}` : model;
}

function attemptLine(r: AttemptResult): string {
  const tests = r.tests ? r.tests.summary : r.verified === null ? 'tests not run' : '';
  return `${r.status}; ${tests}; ${r.diffLines} changed lines; ${r.tokens} tokens${r.reason ? `; ${r.reason}` : ''}`;
}

/** The text listing: one line per attempt, then the winner and why, then where everything is kept. */
export function renderSummary(s: AttemptsSummary): string {
  const rows = s.attempts.map((a) => {
    const mark = a.index === s.winner ? '*' : ' ';
    const temp = a.temperature !== null ? ` t=${a.temperature}` : '';
    return `${mark} attempt ${a.index} (${a.model ?? '?'}${temp}): ${attemptLine(a)}`;
  });
  const verdict =
    s.winner === null
      ? `No attempt chosen: ${s.reason}.`
      : s.applied
        ? `Attempt ${s.winner} chosen (${s.reason}); its change was applied to the working tree.`
        : s.apply_error
          ? `Attempt ${s.winner} chosen (${s.reason}), but its change did not apply: ${s.apply_error}`
          : `Attempt ${s.winner} chosen (${s.reason}); it changed nothing.`;
  return `${[...rows, verdict, `Diffs, events and results: ${s.dir}`].join('\n')}\n`;
}
