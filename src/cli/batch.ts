import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { JudgeCandidate } from '../batch/attempt-judge.js';
import type { AttemptSpec } from '../batch/attempts.js';
import { attemptsTaskRunner } from '../batch/attempts-task.js';
import { runBatch } from '../batch/driver.js';
import { isRepoUrl, ManifestError, parseManifest, tasksFromRepos } from '../batch/manifest.js';
import { holdsBatch, workRoot } from '../batch/outputs.js';
import { createLineView, createLiveView } from '../batch/progress.js';
import { resolveShard, selectShard, ShardError } from '../batch/shard.js';
import type { BatchTask, TaskRunner } from '../batch/types.js';
import { ConfigError, type FlagValues } from '../config/load.js';
import { EXIT } from '../headless/exit-codes.js';
import { createBackoffGate } from '../model/backoff-gate.js';
import { ModelConfigError } from '../model/create.js';
import { costOf, type Pricing, parsePricing } from '../ui/usage.js';
import { parse, runFlags, seconds, UsageError, usageError } from './args.js';
import { attemptSpecs, attemptStarter, judgeWith } from './attempts-command.js';
import { BATCH } from './commands.js';
import { commandHelp } from './help.js';
import { type ComposeOptions, compose } from './compose.js';
import type { Io } from '../agent/composition.js';

export const BATCH_HELP = commandHelp(BATCH);

/** `sedge batch ...`: argv -> a manifest, a shard and a TaskRunner built from compose(); batch/ does the rest. */
export async function runBatchCommand(argv: string[], io: Io): Promise<number> {
  if (argv[0] === 'report') return (await import('./batch-report.js')).runBatchReport(argv.slice(1), io);
  let plan: Plan | 'help';
  try {
    plan = planBatch(argv, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ManifestError || err instanceof ShardError)
      return usage(io, err.message);
    throw err;
  }
  if (plan === 'help') {
    io.stdout.write(`${BATCH_HELP}\n`);
    return EXIT.done;
  }
  const { tasks, out, flags, pricing } = plan;

  // Preflight: a missing endpoint or a bad config is one usage error now, not an error in every task.
  const probe = mkdtempSync(join(tmpdir(), 'sedge-batch-probe-'));
  try {
    await (await compose({ cwd: probe, env: io.env, flags, approvalMode: 'auto' })).close();
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof ModelConfigError)
      return usage(io, err.message);
    throw err;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }

  const backoff = createBackoffGate();
  const warnings = new Set<string>();
  const cost = pricing ? (u: Parameters<typeof costOf>[0]) => costOf(u, pricing) : undefined;
  const flagsOf = (task: BatchTask): FlagValues => {
    const taskFlags: FlagValues = { ...flags };
    if (task.test_cmd) taskFlags.testCmd = task.test_cmd;
    if (task.model) taskFlags.model = absoluteReplay({ model: task.model }, io.cwd).model as string;
    return taskFlags;
  };
  // tasks (and attempts) that start from the same tree share its test baseline
  const baselines: NonNullable<ComposeOptions['baselines']> = new Map();
  // --attempts N: each task is a best-of-N run through the same attempts code as `sedge exec --attempts`
  const best = plan.attempts;
  const runTask: TaskRunner = best
    ? attemptsTaskRunner({
        specs: best.specs,
        start: (task) =>
          attemptStarter(
            { env: io.env, flags: flagsOf(task), backoff, baselines, warn: (m) => warnings.add(`${task.id}: ${m}`) },
            task.task,
            best.specs.length,
          ),
        ...(best.judge
          ? {
              judge: (task: BatchTask, candidates: JudgeCandidate[], signal: AbortSignal) =>
                judgeWith(
                  { task: task.task, flags: flagsOf(task), judge: best.judge as string, env: io.env },
                  io.cwd,
                  candidates,
                  signal,
                ),
            }
          : {}),
        ...(cost ? { costOf: cost } : {}),
      })
    : async function* (dir: string, task: BatchTask, signal: AbortSignal) {
        const taskFlags = flagsOf(task);
        const composition = await compose({
          cwd: dir,
          env: io.env,
          flags: taskFlags,
          approvalMode: 'auto',
          backoff,
          baselines,
          // each task's events.jsonl and result.json are the batch's durable record
          syncSessionSteps: false,
          onWarning: (m) => warnings.add(`${task.id}: ${m}`),
        });
        try {
          return yield* composition.run(task.task, signal);
        } finally {
          await composition.close();
        }
      };

  const ctl = new AbortController();
  const signals = io.signals ?? process;
  let interrupts = 0;
  const onSignal = () => {
    if (++interrupts === 1) ctl.abort(new Error('interrupted'));
    else process.exit(EXIT.interrupted);
  };
  signals.on('SIGINT', onSignal);
  signals.on('SIGTERM', onSignal);
  let stderrGone = false;
  io.stderr.on('error', () => (stderrGone = true));
  const write = (s: string) => void (stderrGone || io.stderr.write(s));
  const tty = Boolean((io.stderr as { isTTY?: boolean }).isTTY) && !io.env.CI;
  const view = tty
    ? createLiveView(write, {
        columns: () => (io.stderr as { columns?: number }).columns ?? 100,
        ...(cost ? { costOf: cost } : {}),
      })
    : createLineView(write);
  try {
    const outcome = await runBatch({
      tasks,
      out,
      workRoot: plan.workRoot,
      concurrency: plan.concurrency,
      runTask,
      resume: plan.resume,
      timeoutMs: plan.timeoutMs,
      ...(plan.maxCost !== undefined ? { maxCostUsd: plan.maxCost } : {}),
      ...(plan.maxTokens !== undefined ? { maxTokens: plan.maxTokens } : {}),
      ...(cost ? { costOf: cost } : {}),
      signal: ctl.signal,
      onProgress: (p) => view.update(p),
    });
    view.close();
    for (const w of warnings) write(`sedge: ${w}\n`);
    const notDone = outcome.results.filter((r) => r.status !== 'done').length;
    write(
      `batch: ${outcome.results.length - notDone}/${tasks.length} done, ${notDone} not done` +
        `${outcome.stopped ? `, stopped: ${outcome.stopped}` : ''}; ${join(out, 'summary.jsonl')}\n`,
    );
    if (outcome.interrupted) return EXIT.interrupted;
    if (outcome.stopped) return EXIT.limit;
    return notDone ? EXIT.failed : EXIT.done;
  } finally {
    view.close();
    signals.off('SIGINT', onSignal);
    signals.off('SIGTERM', onSignal);
    if (plan.tempWork) rmSync(plan.workRoot, { recursive: true, force: true });
  }
}

interface Plan {
  tasks: BatchTask[];
  out: string;
  workRoot: string;
  tempWork: boolean;
  flags: FlagValues;
  pricing: Pricing | null;
  concurrency: number;
  resume: boolean;
  timeoutMs: number;
  maxCost?: number;
  maxTokens?: number;
  /** --attempts N (--models, --temperatures, --judge): every task runs as best of N */
  attempts?: { specs: AttemptSpec[]; judge?: string };
}

function planBatch(argv: string[], io: Io): Plan | 'help' {
  const { values, positionals } = parse(argv, BATCH.options);
  if (values.help) return 'help';
  if (!values.out) throw new UsageError('--out DIR is required');
  const out = resolve(io.cwd, values.out);
  let tasks: BatchTask[];
  if (values.repos !== undefined) {
    const task = positionals.join(' ').trim();
    if (!task) throw new UsageError('--repos needs the TASK: sedge batch --repos REPOS.txt --out DIR "TASK"');
    const path = resolve(io.cwd, values.repos);
    tasks = tasksFromRepos(readText(path, '--repos'), values.repos, dirname(path), task);
  } else {
    if (positionals.length !== 1) throw new UsageError('give one TASKS.jsonl (or --repos REPOS.txt "TASK")');
    const path = resolve(io.cwd, positionals[0] as string);
    tasks = parseManifest(readText(path, 'the manifest'), positionals[0] as string, dirname(path));
  }
  const shard = resolveShard(values.shard, values.shards, io.env);
  tasks = selectShard(tasks, shard);
  const resume = Boolean(values.resume);
  if (!resume && holdsBatch(out))
    throw new UsageError(`${out} already holds a batch: add --resume to continue it, or choose another --out`);
  const concurrency = whole('concurrency', values.concurrency, 1) ?? 4;
  const maxTokens = whole('max-tokens', values['max-tokens'], 1);
  const pricing = parsePricing(io.env.SEDGE_PRICE_PER_MTOK);
  let maxCost: number | undefined;
  if (values['max-cost'] !== undefined) {
    maxCost = Number(values['max-cost']);
    if (!Number.isFinite(maxCost) || maxCost <= 0)
      throw new UsageError(`--max-cost needs a positive number of USD, got "${values['max-cost']}"`);
    if (!pricing) throw new UsageError('--max-cost needs prices: set SEDGE_PRICE_PER_MTOK=IN,CACHED,OUT (USD per 1M)');
  }
  const bestOfN = values.attempts !== undefined || values.models !== undefined || values.temperatures !== undefined;
  if (values.judge !== undefined && !bestOfN) throw new UsageError('--judge needs --attempts N');
  const attempts = bestOfN
    ? {
        specs: attemptSpecs(values.attempts, values.models, values.temperatures),
        ...(values.judge ? { judge: values.judge } : {}),
      }
    : undefined;
  // Checkouts live under DIR/.work, unless DIR is inside a repository being worked on: then in a temp dir.
  const inside = tasks.some((t) => !isRepoUrl(t.repo) && isWithin(out, t.repo));
  const tempWork = inside;
  return {
    tasks,
    out,
    workRoot: inside ? mkdtempSync(join(tmpdir(), 'sedge-batch-work-')) : workRoot(out),
    tempWork,
    flags: absoluteReplay(runFlags(values), io.cwd),
    pricing,
    concurrency,
    resume,
    timeoutMs: (seconds('timeout-per-task', values['timeout-per-task']) ?? 0) * 1000,
    ...(maxCost !== undefined ? { maxCost } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(attempts ? { attempts } : {}),
  };
}

/** Every task runs in its own checkout: a `replay:FILE` model named relative to where sedge was started. */
function absoluteReplay(flags: FlagValues, cwd: string): FlagValues {
  const file = flags.model?.startsWith('replay:') ? flags.model.slice('replay:'.length) : undefined;
  return file && !isAbsolute(file) ? { ...flags, model: `replay:${resolve(cwd, file)}` } : flags;
}

function isWithin(path: string, root: string): boolean {
  const rel = relative(resolve(root), path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function whole(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} needs a whole number ≥ ${min}, got "${v}"`);
  return n;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

function usage(io: Io, message: string): number {
  return usageError(BATCH, io, message);
}
