/**
 * `sedge [TASK]`, `sedge --continue`, `sedge --resume ID`: the interactive session. main.ts loads this
 * module with a dynamic import(), so headless modes never load Ink or React. This file sets the terminal
 * up (and always puts it back: raw mode off, cursor shown, also on a crash), renders the app and wires it
 * to the controller.
 */
import { writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { createElement } from 'react';
import type { FlagValues } from '../config/load.js';
import { ConfigError } from '../config/load.js';
import { stateDir } from '../config/paths.js';
import { readPrompt } from '../config/prompts.js';
import { ModelConfigError } from '../model/create.js';
import { EXIT } from '../headless/exit-codes.js';
import { diffingStdout } from '../ui/frame-diff.js';
import { preloadHighlighter } from '../ui/markdown.js';
import { createStore } from '../ui/store.js';
import { initialState, reduce, type Pricing } from '../ui/transcript.js';
import { parse, RUN_OPTIONS, runFlags, UsageError } from './args.js';
import { compose, type Composition } from './compose.js';
import type { Io } from './exec.js';
import { createController } from './interactive-controller.js';
import { findSession, listSessions, loadInputHistory, loadSessionEvents, messagesFromEvents } from './session-files.js';
import { SandboxUnavailableError } from '../exec/sandbox.js';

const INTERACTIVE_OPTIONS = {
  ...RUN_OPTIONS,
  ask: { type: 'boolean' },
  continue: { type: 'boolean', short: 'c' },
  resume: { type: 'string', short: 'r' },
} as const;

export const INTERACTIVE_HELP = `Usage: sedge [options] [TASK]

An interactive session in the current repository (type /help inside).

Options:
  --ask              ask before every command the agent runs (--approval auto-edit)
  --sandbox MODE     workspace-write (default), read-only or off; --network, --env NAME as in exec
  -c, --continue     reopen the latest session of this directory
  -r, --resume ID    reopen a saved session
  -m, --model NAME   model (or replay:FILE)
  -C, --cd DIR       run in DIR
  and the run options of 'sedge exec' (--max-steps, --timeout, --test-cmd, --no-verify, ...)

Environment:
  SEDGE_PRICE_PER_MTOK=IN,CACHED,OUT   USD per million input / cached input / output tokens:
                                       the status line then shows a cost estimate`;

// Bracketed paste on/off, cursor shown.
const TERM_ON = '\x1b[?2004h';
const TERM_OFF = '\x1b[?2004l\x1b[?25h';

export async function runInteractive(argv: string[], io: Io): Promise<number> {
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

  const pricing = parsePricing(io.env.SEDGE_PRICE_PER_MTOK);
  let initial = initialState({
    model: composition.model.id,
    sessionId: composition.sessionId,
    contextTokens: composition.settings.contextTokens,
    ...(pricing ? { pricing } : {}),
  });
  let messages;
  if (resumeId) {
    const events = loadSessionEvents(composition.sessionPath);
    initial = reduce(initial, { type: 'ui_load', sessionId: resumeId, events });
    initial = reduce(initial, { type: 'ui_notice', text: `resumed session ${resumeId}` });
    messages = messagesFromEvents(events, readPrompt('system.md'));
  }
  const where = composition.isRepo ? composition.workspace : `${cwd} (not a git repository: no /undo)`;
  initial = reduce(initial, {
    type: 'ui_notice',
    text: `sedge · ${composition.model.id} · ${where}\n${values.ask ? 'commands ask before they run' : 'commands run without asking when the sandbox contains them (--ask to approve each)'} · sandbox ${composition.sandbox.mode} · /help for commands`,
  });
  for (const w of warnings.splice(0)) initial = reduce(initial, { type: 'ui_notice', text: w, tone: 'warn' });
  const store = createStore(initial, { batchMs: 150 });
  const color = !io.env.NO_COLOR && io.env.TERM !== 'dumb';
  const history = loadInputHistory(state, composition.workspace);

  const { render, App } = await loadUi();

  let exitCode: number = EXIT.done;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((r) => (finish = r));
  const controller = createController({
    store,
    compose: build,
    composition,
    flags,
    ask: Boolean(values.ask),
    stateDir: state,
    history,
    ...(messages ? { messages } : {}),
    exit: (code) => {
      exitCode = code;
      finish();
    },
  });

  const restore = () => {
    try {
      if (stdin.isTTY) stdin.setRawMode(false);
    } catch {
      /* already closed */
    }
    try {
      writeSync((stdout as unknown as { fd?: number }).fd ?? 1, TERM_OFF);
    } catch {
      /* not writable any more */
    }
  };
  const onCrash = (err: unknown) => {
    restore();
    io.stderr.write(`\nsedge: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(EXIT.failed);
  };
  const onSignal = () => {
    exitCode = EXIT.interrupted;
    finish();
  };
  const onSigint = () => controller.ctrlC();
  // One table for attaching and detaching, so the two can never drift apart.
  const processHandlers: [string, (...args: any[]) => void][] = [
    ['exit', restore],
    ['uncaughtException', onCrash],
    ['unhandledRejection', onCrash],
    ['SIGTERM', onSignal],
    ['SIGHUP', onSignal],
    ['SIGINT', onSigint],
  ];
  for (const [event, handler] of processHandlers) process.on(event, handler);

  stdout.write(TERM_ON);
  const instance = render(
    createElement(App, {
      store,
      color,
      history,
      onSubmit: (t: string) => {
        void preloadHighlighter(); // ~250 ms of import, paid while the model thinks, not at startup
        return controller.submit(t);
      },
      onAnswer: (a) => controller.answer(a),
      onCtrlC: () => controller.ctrlC(),
    }),
    {
      stdout: io.env.SEDGE_FULL_REDRAW ? stdout : diffingStdout(stdout),
      stdin,
      stderr: io.stderr as NodeJS.WriteStream,
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: 8,
    },
  );

  // Ink exits the app on a render error: end the session then too.
  let uiError: unknown;
  instance.waitUntilExit().then(
    () => finish(),
    (err: unknown) => {
      uiError = err;
      exitCode = EXIT.failed;
      finish();
    },
  );

  const task = positionals.join(' ').trim();
  if (task) {
    void preloadHighlighter();
    controller.submit(task);
  }
  try {
    await finished;
    await controller.close();
    store.dispatch({ type: 'ui_close' });
    store.flush();
    // let the last render reach the screen before the app unmounts
    await new Promise((r) => setImmediate(r));
  } finally {
    instance.unmount();
    await instance.waitUntilExit().catch(() => undefined);
    restore();
    for (const [event, handler] of processHandlers) process.off(event, handler);
  }
  if (uiError)
    io.stderr.write(
      `sedge: the interface failed: ${uiError instanceof Error ? (uiError.stack ?? uiError.message) : String(uiError)}\n`,
    );
  io.stdout.write(`session ${composition.sessionId} saved · sedge --resume ${composition.sessionId}\n`);
  return exitCode;
}

/**
 * Load Ink and the app. Ink decides once, at import, whether it runs in CI (CI or CONTINUOUS_INTEGRATION
 * set), and then never draws its live frame; someone who opens the TUI in a terminal wants it drawn, so
 * the import sees those variables neutralized and they are put back right after (child processes keep them).
 */
async function loadUi() {
  const keys = ['CI', 'CONTINUOUS_INTEGRATION'] as const;
  const saved = keys.map((k) => [k, process.env[k]] as const);
  for (const k of keys) if (process.env[k] !== undefined) process.env[k] = '0';
  try {
    const [{ render }, { App }] = await Promise.all([import('ink'), import('../ui/app.js')]);
    return { render, App };
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** "2,0.5,8" -> USD per million input, cached input and output tokens; anything else: no estimate. */
export function parsePricing(v: string | undefined): Pricing | null {
  if (!v) return null;
  const n = v.split(',').map((x) => Number(x.trim()));
  if (n.length !== 3 || n.some((x) => !Number.isFinite(x) || x < 0)) return null;
  return { input: n[0] as number, cachedInput: n[1] as number, output: n[2] as number };
}
