import { join } from 'node:path';
import { findSession, loadSessionEvents, messagesFromEvents } from '../agent/session-files.js';
import { ConfigError } from '../config/load.js';
import { stateDir } from '../config/paths.js';
import { readPrompt } from '../config/prompts.js';
import { acquireRunLock, type RunLock, RunLockedError } from '../fs/run-lock.js';
import { SandboxUnavailableError } from '../exec/sandbox.js';
import { type Io, refusal, runExec } from '../headless/exec.js';
import { EXIT } from '../headless/exit-codes.js';
import { ModelConfigError } from '../model/create.js';
import { parseCommand, runFlags, UsageError, usageError, workDir } from './args.js';
import { EXEC } from './commands.js';
import { compose } from './compose.js';
import { attemptSpecs, runAttemptsCommand } from './attempts-command.js';

/** `sedge exec [options] TASK`: argv -> a composition -> the headless runner (headless/exec.ts). */
export async function runExecCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand(EXEC, argv, io);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  // --resume ID: carry on a run that was killed or interrupted, from its saved conversation
  const resumed = values.resume ? findSession(stateDir(io.env), values.resume) : null;
  if (values.resume && !resumed) return usage(io, `no saved session "${values.resume}"`);
  if (positionals.length === 0 && !resumed)
    return usage(io, 'missing TASK: sedge exec "describe the task" (or - to read it from stdin)');
  let task = positionals.join(' ').trim();
  if (task === '-') task = (await readAll(io.stdin)).trim();
  if (!task && resumed) task = readPrompt('resume.md').trim();
  if (!task) return usage(io, 'the task is empty');

  let cwd: string;
  try {
    cwd = workDir(io.cwd, values.cd);
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  // Progress is optional: if stderr goes away (`2>&1 | head`), stop writing it and carry on.
  let stderrGone = false;
  io.stderr.on('error', () => (stderrGone = true));
  const progress = (s: string) => void (stderrGone || io.stderr.write(s));

  const bestOfN = values.attempts !== undefined || values.models !== undefined || values.temperatures !== undefined;
  if (bestOfN || values['keep-worktrees'] || values.judge !== undefined) {
    try {
      if (!bestOfN) throw new UsageError('--keep-worktrees and --judge need --attempts N');
      const specs = attemptSpecs(values.attempts, values.models, values.temperatures);
      const flags = runFlags(values);
      const json = Boolean(values.json);
      const keepWorktrees = Boolean(values['keep-worktrees']);
      const req = { task, cwd, flags, json, keepWorktrees, progress, ...(values.judge ? { judge: values.judge } : {}) };
      return await runAttemptsCommand(req, specs, io);
    } catch (err) {
      if (err instanceof UsageError || err instanceof ConfigError || err instanceof ModelConfigError)
        return usage(io, err.message);
      throw err;
    }
  }

  let composition: Awaited<ReturnType<typeof compose>>;
  try {
    const flags = runFlags(values);
    const onWarning = (m: string) => progress(`sedge: ${m}\n`);
    composition = await compose({
      cwd,
      env: io.env,
      flags,
      approvalMode: 'auto',
      followUp: true,
      onWarning,
      ...(resumed ? { sessionId: resumed.id } : {}),
    });
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof ModelConfigError)
      return usage(io, err.message);
    if (err instanceof SandboxUnavailableError) {
      io.stderr.write(refusal(err.message));
      return EXIT.usage;
    }
    throw err;
  }
  // one run per work tree: a second one would interleave edits and commands with the first
  let lock: RunLock | null = null;
  if (!values['no-lock']) {
    try {
      lock = acquireRunLock(join(stateDir(io.env), 'locks'), composition.workspace, composition.sessionId);
    } catch (err) {
      if (err instanceof RunLockedError) {
        await composition.close();
        return usage(io, err.message);
      }
      if (!(err as NodeJS.ErrnoException).code) throw err;
      // the state dir is not writable: the session file says so when the run opens it; no lock meanwhile
      progress(`sedge: cannot take the run lock: ${(err as Error).message}\n`);
    }
  }
  try {
    const history = resumed ? messagesFromEvents(loadSessionEvents(resumed.path), readPrompt('system.md')) : undefined;
    const req = { task, json: Boolean(values.json), verbose: Boolean(values.verbose), progress };
    return await runExec(composition, history ? { ...req, history } : req, io);
  } finally {
    lock?.release();
  }
}

function usage(io: Io, message: string): number {
  return usageError(EXEC, io, message);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
