import type { Composition, Io, Message } from '../agent/composition.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { createJsonlRenderer } from './jsonl.js';
import { createTextRenderer } from './text.js';

export type { Io } from '../agent/composition.js';

export interface ExecRequest {
  task: string;
  json: boolean;
  verbose: boolean;
  /** progress lines on stderr (also used by the caller for warnings while composing) */
  progress: (s: string) => void;
  /** a resumed session's conversation (sedge exec --resume ID) */
  history?: Message[];
}

/**
 * Runs one composed task to the end (`sedge exec`; argv is parsed by cli/exec-command.ts): events out on
 * stdout as JSONL or as text progress on stderr, exit code = outcome. Closes the composition.
 */
export async function runExec(composition: Composition, req: ExecRequest, io: Io): Promise<number> {
  const { task, json, progress } = req;
  const warn = (m: string) => progress(`sedge: ${m}\n`);
  const color = !json && !io.env.NO_COLOR && Boolean((io.stderr as { isTTY?: boolean }).isTTY);
  if (composition.sandbox.kind === 'none') warn("--sandbox off: the model's commands and the tests run unconfined");

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
    ? createJsonlRenderer(out)
    : createTextRenderer(progress, { color, verbose: req.verbose, sandbox: composition.sandbox.describe() });
  let fatalSource: string | undefined;
  let code: number = EXIT.failed;
  try {
    let run;
    try {
      run = composition.run(task, ctl.signal, req.history ? { history: req.history } : {});
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
      if (e.type === 'error' && e.fatal && e.source === 'sandbox') io.stderr.write(refusal(e.message));
      if (json && e.type === 'run_start' && e.approval === 'auto')
        warn(`tool calls run without asking; sandbox: ${composition.sandbox.describe()}`);
      render(e);
      if (e.type === 'run_end') {
        code = exitCodeFor(e.status, fatalSource);
        if (!json && e.final_text.trim()) out(`${e.final_text.trim()}\n`);
      }
    }
  } finally {
    for (const sig of STOP_SIGNALS) signals.off(sig, onSignal);
    await composition.close();
  }
  return stoppedBy && code === EXIT.interrupted ? signalExitCode(stoppedBy) : code;
}

/** What exec says when no sandbox can start (before the run, or when its probe fails during the first step). */
export function refusal(reason: string): string {
  return (
    `sedge exec: no usable sandbox: ${reason}.\nRefusing to run the model's commands unconfined; ` +
    `fix the sandbox (see 'sedge doctor') or pass --sandbox off to run them without one.\n`
  );
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
