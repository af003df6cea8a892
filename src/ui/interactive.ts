/**
 * `sedge [TASK]`, `sedge --continue`, `sedge --resume ID`: the interactive session. cli/ loads this
 * module with a dynamic import(), so headless modes never load Ink or React. This file sets the terminal
 * up (and always puts it back: raw mode off, cursor shown, also on a crash), renders the app and wires it
 * to the controller.
 */
import { writeSync } from 'node:fs';
import { createElement } from 'react';
import type { Composition, FlagValues, Io, Recompose } from '../agent/composition.js';
import { EXIT } from '../headless/exit-codes.js';
import { diffingStdout } from './frame-diff.js';
import { preloadHighlighter } from './markdown.js';
import { createStore } from './store.js';
import { initialState, reduce } from './transcript.js';
import { parsePricing } from './usage.js';
import { createController } from './interactive-controller.js';
import { loadInputHistory, loadSessionEvents, messagesFromEvents } from '../agent/session-files.js';

// Bracketed paste on/off, cursor shown.
const TERM_ON = '\x1b[?2004h';
const TERM_OFF = '\x1b[?2004l\x1b[?25h';

export interface InteractiveStart {
  composition: Composition;
  /** builds the next composition (/model, /clear, /resume) */
  recompose: Recompose;
  flags: FlagValues;
  cwd: string;
  stateDir: string;
  ask: boolean;
  /** the first task, if given on the command line */
  task: string;
  /** a resumed session's id */
  resumeId?: string;
  /** warnings collected while composing (shown as notices) */
  warnings: string[];
}

/** The Ink TUI over a composition built by cli/interactive-command.ts (which parses argv). */
/** The start banner's line on what runs without asking: true to the sandbox actually in force. */
export function approvalBanner(ask: boolean, sandbox: string): string {
  if (ask) return `commands ask before they run · sandbox ${sandbox}`;
  if (sandbox === 'off')
    return 'sandbox off: commands run unconfined and without asking unless they reach outside the workspace (--ask to approve each)';
  return `commands run without asking when the sandbox contains them (--ask to approve each) · sandbox ${sandbox}`;
}

export async function runInteractive(start: InteractiveStart, io: Io): Promise<number> {
  const { composition, cwd, resumeId, warnings, flags } = start;
  const state = start.stateDir;
  const stdin = io.stdin as NodeJS.ReadStream;
  const stdout = io.stdout as NodeJS.WriteStream;
  const pricing = parsePricing(io.env.SEDGE_PRICE_PER_MTOK) ?? composition.pricing;
  let initial = initialState({
    model: composition.model.id,
    sessionId: composition.sessionId,
    contextTokens: composition.contextTokens,
    ...(pricing ? { pricing } : {}),
  });
  let messages;
  if (resumeId) {
    const events = loadSessionEvents(composition.sessionPath);
    initial = reduce(initial, { type: 'ui_load', sessionId: resumeId, events });
    initial = reduce(initial, { type: 'ui_notice', text: `resumed session ${resumeId}` });
    messages = messagesFromEvents(events);
  }
  const where = composition.isRepo ? composition.workspace : `${cwd} (not a git repository: no /undo)`;
  initial = reduce(initial, {
    type: 'ui_notice',
    text: `sedge · ${composition.model.id} · ${where}\n${approvalBanner(start.ask === true, composition.sandbox.mode)} · /help for commands`,
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
    compose: start.recompose,
    composition,
    flags,
    ask: Boolean(start.ask),
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

  const task = start.task;
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
  // the session that is current now (/clear and /resume change it)
  const current = controller.session();
  io.stdout.write(
    current.saved
      ? `session ${current.id} saved · sedge --resume ${current.id}\n`
      : `session ${current.id} had no turns: nothing saved\n`,
  );
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
    const [{ render }, { App }] = await Promise.all([import('ink'), import('./app.js')]);
    return { render, App };
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
