import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AgentEvent } from '../agent/events.js';
import { ConfigError } from '../config/load.js';
import { stateDir } from '../config/paths.js';
import { readPrompt } from '../config/prompts.js';
import { acquireRunLock, type RunLock, RunLockedError } from '../fs/run-lock.js';
import { ModelConfigError } from '../model/create.js';
import { EXIT, exitCodeFor } from '../headless/exit-codes.js';
import { createTextRenderer } from '../headless/text.js';
import { parse, RUN_OPTIONS, runFlags, UsageError } from './args.js';
import { compose } from './compose.js';
import { EXEC_HELP } from './help.js';
import { findSession, loadSessionEvents, messagesFromEvents } from './session-files.js';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
  cwd: string;
  /** where SIGINT is observed (process in production, an emitter in tests) */
  signals?: NodeJS.EventEmitter;
}

const EXEC_OPTIONS = {
  ...RUN_OPTIONS,
  json: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  verbose: { type: 'boolean', short: 'v' },
  'no-lock': { type: 'boolean' },
  resume: { type: 'string', short: 'r' },
} as const;

/** `sedge exec [options] TASK`: one task, no questions, events out, exit code = outcome. */
export async function runExec(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parse(argv, EXEC_OPTIONS);
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${EXEC_HELP}\n`);
    return EXIT.done;
  }
  // --resume ID: carry on a run that was killed or interrupted, from its saved conversation
  const resumed = values.resume ? findSession(stateDir(io.env), values.resume) : null;
  if (values.resume && !resumed) return usage(io, `no saved session "${values.resume}"`);
  if (positionals.length === 0 && !resumed)
    return usage(io, 'missing TASK: sedge exec "describe the task" (or - to read it from stdin)');
  let task = positionals.join(' ').trim();
  if (task === '-') task = (await readAll(io.stdin)).trim();
  if (!task && resumed) task = readPrompt('resume.md').trim();
  if (!task) return usage(io, 'the task is empty');

  const cwd = values.cd ? resolve(io.cwd, values.cd) : io.cwd;
  if (!isDirectory(cwd)) return usage(io, `-C ${values.cd}: ${cwd} is not a directory`);
  const json = Boolean(values.json);
  const color = !json && !io.env.NO_COLOR && Boolean((io.stderr as { isTTY?: boolean }).isTTY);
  // Progress is optional: if stderr goes away (`2>&1 | head`), stop writing it and carry on.
  let stderrGone = false;
  io.stderr.on('error', () => (stderrGone = true));
  const progress = (s: string) => void (stderrGone || io.stderr.write(s));
  const warn = (m: string) => progress(`sedge: ${m}\n`);

  let composition;
  try {
    composition = await compose({
      cwd,
      env: io.env,
      flags: runFlags(values),
      approvalMode: 'auto',
      onWarning: warn,
      ...(resumed ? { sessionId: resumed.id } : {}),
    });
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof ModelConfigError)
      return usage(io, err.message);
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
      // the state dir is not writable: the session file below says so; the run goes on unlocked meanwhile
      warn(`cannot take the run lock: ${(err as Error).message}`);
    }
  }

  const ctl = new AbortController();
  // SIGINT, SIGTERM and SIGHUP all stop the run the same way (run_end aborted, trace, children ended, temp
  // removed); the exit code says which: 128 + the signal number
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stoppedBy === undefined) {
      stoppedBy = sig;
      warn(`${sig === 'SIGINT' ? 'interrupted' : `got ${sig}`}; stopping (press Ctrl-C again to quit at once)`);
      ctl.abort(new Error('interrupted'));
    } else if (sig === 'SIGINT') process.exit(EXIT.interrupted);
  };
  const signals = io.signals ?? process;
  for (const sig of STOP_SIGNALS) signals.on(sig, onSignal);

  // `sedge exec --json | head -1`: once the reader is gone, stop the run instead of dying on EPIPE.
  let stdoutGone = false;
  io.stdout.on('error', () => {
    if (stdoutGone) return;
    stdoutGone = true;
    ctl.abort(new Error('stdout closed'));
  });
  const out = (s: string) => void (stdoutGone || io.stdout.write(s));
  const render = json
    ? (e: AgentEvent) => out(`${JSON.stringify(e)}\n`)
    : createTextRenderer(progress, { color, verbose: Boolean(values.verbose) });
  let fatalSource: string | undefined;
  let code: number = EXIT.failed;
  try {
    let run;
    try {
      const history = resumed
        ? messagesFromEvents(loadSessionEvents(resumed.path), readPrompt('system.md'))
        : undefined;
      run = composition.run(task, ctl.signal, history ? { history } : {});
    } catch (err) {
      // The session file is opened first: an unwritable state directory is a configuration error.
      const errno = (err as NodeJS.ErrnoException).code;
      if (!errno) throw err;
      return usage(
        io,
        `cannot write the session file ${composition.sessionPath}: ${(err as Error).message} (set XDG_STATE_HOME to a writable directory)`,
      );
    }
    while (true) {
      const next = await run.next();
      if (next.done) break;
      const e = next.value;
      if (e.type === 'error' && e.fatal) fatalSource = e.source;
      if (json && e.type === 'run_start' && e.approval === 'auto')
        warn('tool calls run without asking (no sandbox yet)');
      render(e);
      if (e.type === 'run_end') {
        code = exitCodeFor(e.status, fatalSource);
        if (!json && e.final_text.trim()) out(`${e.final_text.trim()}\n`);
      }
    }
  } finally {
    for (const sig of STOP_SIGNALS) signals.off(sig, onSignal);
    await composition.close();
    lock?.release();
  }
  return stoppedBy && code === EXIT.interrupted ? signalExitCode(stoppedBy) : code;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** 128 + the signal's number, as a shell reports a process ended by it: 130, 143, 129. */
export function signalExitCode(sig: NodeJS.Signals): number {
  return 128 + (sig === 'SIGTERM' ? 15 : sig === 'SIGHUP' ? 1 : 2);
}

function usage(io: Io, message: string): number {
  io.stderr.write(`sedge exec: ${message}\nRun 'sedge exec --help' for options.\n`);
  return EXIT.usage;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
