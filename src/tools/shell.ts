import { z } from 'zod';
import { readPrompt } from '../config/prompts.js';
import { createShellSession, type ShellRunResult, type ShellSession } from '../exec/pty.js';
import { defineTool, type Tool } from './tool.js';
import { DEFAULTS } from '../config/schema.js';

export interface ShellToolOptions {
  /** where the shell starts (and restarts) */
  workspace: string;
  /** default per-command timeout in seconds (DEFAULTS.shellTimeoutS) */
  defaultTimeoutS?: number;
  /** the most a call may ask for with timeout_s (1800) */
  maxTimeoutS?: number;
  env?: Record<string, string | undefined>;
  /** argv in front of bash, e.g. a sandbox; see ShellSessionOptions.launcher */
  launcher?: string[] | ((scriptDir: string) => string[]);
  /** for tests: the SIGINT -> SIGKILL grace of the shell session (ms) */
  killGraceMs?: number;
}

const parameters = z.object({
  command: z.string().min(1).describe('Bash command (may span lines).'),
  timeout_s: z
    .number()
    .positive()
    .optional()
    .describe(`Seconds before it is killed (default ${DEFAULTS.shellTimeoutS}); raise for slow builds.`),
});

/** The text the model sees for one command's result. */
export function formatShellResult(
  r: ShellRunResult,
  timeoutS: number,
  workspace: string,
  abortReason?: unknown,
): string {
  const notes: string[] = [];
  // The loop aborts with Error('time limit') when the run's --timeout is reached; anything else is a person.
  const byLimit = abortReason instanceof Error && /time limit/.test(abortReason.message);
  const interruptNote = byLimit
    ? '[stopped: the run reached its time limit while this command ran.]'
    : '[interrupted: the command was stopped by the user.]';
  if (r.waitingForInput) {
    notes.push(
      '[stopped: the command was waiting for input from the terminal, which nobody can type. Give the input through a pipe, a file or a flag (e.g. --yes, -m "msg"), or avoid the interactive program.]',
    );
  } else if (r.timedOut) {
    notes.push(
      `[timed out after ${timeoutS} s: the command and its child processes were killed. Retry with a larger timeout_s, run it in the background, or narrow it down.]`,
    );
  } else if (r.interrupted) {
    notes.push(interruptNote);
  }
  if (r.shellRestarted) {
    notes.push(
      `[the shell exited or had to be restarted: working directory (now ${workspace}), variables, functions and aliases were reset.]`,
    );
  }
  // Success goes without saying (it would cost tokens on every call, in every later request), unless the
  // command printed nothing or something else happened: then the exit code is the whole answer.
  const quietSuccess = r.exitCode === 0 && r.output !== '' && notes.length === 0;
  if (!r.timedOut && !r.interrupted && !r.waitingForInput && r.exitCode !== null && !quietSuccess)
    notes.push(`[exit code: ${r.exitCode}]`);
  return [r.output, ...notes].filter((s) => s !== '').join('\n');
}

export function createShellTool(opts: ShellToolOptions): Tool {
  const defaultTimeoutS = opts.defaultTimeoutS ?? DEFAULTS.shellTimeoutS;
  const maxTimeoutS = opts.maxTimeoutS ?? 1800;
  let session: ShellSession | null = null;
  const getSession = (): ShellSession =>
    (session ??= createShellSession({
      cwd: opts.workspace,
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.launcher ? { launcher: opts.launcher } : {}),
      ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}),
    }));

  return defineTool({
    name: 'shell',
    kind: 'execute',
    description: readPrompt('tools/shell.md'),
    parameters,
    title: (p) => p.command,
    async execute(params, ctx) {
      const timeoutS = Math.min(params.timeout_s ?? defaultTimeoutS, maxTimeoutS);
      const r = await getSession().run(params.command, {
        timeoutMs: Math.round(timeoutS * 1000),
        signal: ctx.signal,
        ...(ctx.onOutput ? { onData: ctx.onOutput } : {}),
      });
      return {
        output: formatShellResult(r, timeoutS, opts.workspace, ctx.signal.reason),
        isError: r.timedOut || r.interrupted || r.waitingForInput === true,
        data: {
          ...(r.exitCode !== null ? { exit_code: r.exitCode } : {}),
          timed_out: r.timedOut,
        },
      };
    },
    async dispose() {
      const s = session;
      session = null;
      await s?.dispose();
    },
  });
}
