import type { Composition, Io } from '../agent/composition.js';
import { findSession, listSessions } from '../agent/session-files.js';
import { ConfigError, type FlagValues } from '../config/load.js';
import { SandboxUnavailableError } from '../exec/sandbox.js';
import { stateDir } from '../config/paths.js';
import { EXIT } from '../headless/exit-codes.js';
import { ModelConfigError } from '../model/create.js';
import { parseCommand, runFlags, UsageError, usageError, workDir } from './args.js';
import { INTERACTIVE } from './commands.js';
import { compose } from './compose.js';

/**
 * `sedge [TASK]`, `--continue`, `--resume ID`: argv -> a first composition -> the Ink TUI (ui/interactive.ts,
 * loaded with a dynamic import so headless modes never load Ink or React).
 */
export async function runInteractiveCommand(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommand(INTERACTIVE, argv, io);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  let cwd: string;
  try {
    cwd = workDir(io.cwd, values.cd);
  } catch (err) {
    return usageError(INTERACTIVE, io, (err as Error).message);
  }
  const stdin = io.stdin as NodeJS.ReadStream;
  const stdout = io.stdout as NodeJS.WriteStream;
  if (!stdin.isTTY || !stdout.isTTY) {
    io.stderr.write('sedge: interactive mode needs a terminal; for scripts use: sedge exec "TASK"\n');
    return EXIT.usage;
  }
  const state = stateDir(io.env);
  const warnings: string[] = [];
  let flags: FlagValues;
  try {
    flags = runFlags(values);
  } catch (err) {
    io.stderr.write(`sedge: ${(err as Error).message}\n`);
    return EXIT.usage;
  }

  // Resume: which session, its events, its conversation.
  let resumeId: string | undefined;
  if (values.resume || values.continue) {
    const found = values.resume
      ? findSession(state, values.resume)
      : (listSessions(state, 200).find((s) => s.cwd === cwd) ?? null);
    if (!found) {
      io.stderr.write(
        `sedge: ${values.resume ? `no saved session "${values.resume}"` : 'no earlier session in this directory'}\n`,
      );
      return EXIT.usage;
    }
    resumeId = found.id;
  }

  const approvalMode = values.ask ? 'ask' : 'auto';
  const build = (o: { flags: FlagValues; sessionId?: string }): Promise<Composition> =>
    compose({
      cwd,
      env: io.env,
      flags: o.flags,
      approvalMode,
      interactive: true,
      followUp: true,
      ...(o.sessionId ? { sessionId: o.sessionId } : {}),
      onWarning: (m) => warnings.push(m),
    });
  let composition: Composition;
  try {
    composition = await build({ flags, ...(resumeId ? { sessionId: resumeId } : {}) });
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof ModelConfigError) {
      io.stderr.write(`sedge: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof SandboxUnavailableError) {
      io.stderr.write(`sedge: no usable sandbox: ${err.message}.\nPass --sandbox off to run commands unconfined.\n`);
      return EXIT.usage;
    }
    throw err;
  }

  const { runInteractive } = await import('../ui/interactive.js');
  return runInteractive(
    {
      composition,
      recompose: build,
      flags,
      cwd,
      stateDir: state,
      ask: Boolean(values.ask),
      task: positionals.join(' ').trim(),
      ...(resumeId ? { resumeId } : {}),
      warnings,
    },
    io,
  );
}
