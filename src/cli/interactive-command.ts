import { resolve } from 'node:path';
import type { Composition, Io } from '../agent/composition.js';
import { findSession, listSessions } from '../agent/session-files.js';
import { ConfigError, type FlagValues } from '../config/load.js';
import { stateDir } from '../config/paths.js';
import { EXIT } from '../headless/exit-codes.js';
import { ModelConfigError } from '../model/create.js';
import { parse, RUN_OPTIONS, runFlags, UsageError } from './args.js';
import { compose } from './compose.js';

const INTERACTIVE_OPTIONS = {
  ...RUN_OPTIONS,
  ask: { type: 'boolean' },
  continue: { type: 'boolean', short: 'c' },
  resume: { type: 'string', short: 'r' },
} as const;

export const INTERACTIVE_HELP = `Usage: sedge [options] [TASK]

An interactive session in the current repository (type /help inside).

Options:
  --ask              ask before every command the agent runs
  -c, --continue     reopen the latest session of this directory
  -r, --resume ID    reopen a saved session
  -m, --model NAME   model (or replay:FILE)
  -C, --cd DIR       run in DIR
  and the run options of 'sedge exec' (--max-steps, --timeout, --test-cmd, --no-verify, ...)

Environment:
  SEDGE_PRICE_PER_MTOK=IN,CACHED,OUT   USD per million input / cached input / output tokens:
                                       the status line then shows a cost estimate`;

/**
 * `sedge [TASK]`, `--continue`, `--resume ID`: argv -> a first composition -> the Ink TUI (ui/interactive.ts,
 * loaded with a dynamic import so headless modes never load Ink or React).
 */
export async function runInteractiveCommand(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parse(argv, INTERACTIVE_OPTIONS);
  } catch (err) {
    io.stderr.write(`sedge: ${(err as Error).message}\n${INTERACTIVE_HELP}\n`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${INTERACTIVE_HELP}\n`);
    return EXIT.done;
  }
  const stdin = io.stdin as NodeJS.ReadStream;
  const stdout = io.stdout as NodeJS.WriteStream;
  if (!stdin.isTTY || !stdout.isTTY) {
    io.stderr.write('sedge: interactive mode needs a terminal; for scripts use: sedge exec "TASK"\n');
    return EXIT.usage;
  }
  const cwd = values.cd ? resolve(io.cwd, values.cd) : io.cwd;
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
