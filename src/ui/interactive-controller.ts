/**
 * The interactive session's controller: what the app's callbacks do. It owns the composition (model,
 * tools, session file), the conversation carried from turn to turn, the per-turn AbortController, the
 * approval hand-off, git checkpoints for /undo and the slash commands. It feeds the transcript store;
 * it never renders. No Ink or React here.
 */
import { existsSync } from 'node:fs';
import type { ApprovalRequest, Decision } from '../agent/types.js';
import {
  createCheckpoint,
  diffSince,
  dropCheckpoints,
  restoreCheckpoint,
  type Checkpoint,
} from '../repo/checkpoint.js';
import type { ApprovalAnswer } from './app.js';
import type { TranscriptStore } from './store.js';
import type { Composition, FlagValues, Message, Recompose } from '../agent/composition.js';
import {
  findSession,
  listSessions,
  loadSessionEvents,
  messagesFromEvents,
  saveInputHistory,
} from '../agent/session-files.js';
import { slashHelp, whileTurnRuns } from './slash-commands.js';

export interface ControllerOptions {
  store: TranscriptStore;
  /** builds a composition (compose() in production) */
  compose: Recompose;
  composition: Composition;
  flags: FlagValues;
  ask: boolean;
  stateDir: string;
  history: string[];
  /** earlier conversation (resume) */
  messages?: Message[];
  /** ends the session */
  exit: (code: number) => void;
}

export interface Controller {
  submit(text: string): boolean;
  answer(a: ApprovalAnswer): void;
  ctrlC(): void;
  /** resolves when the running turn (if any) has ended */
  idle(): Promise<void>;
  /** the current session (after /clear or /resume, the new one) and whether its file was written */
  session(): { id: string; saved: boolean };
  close(): Promise<void>;
}

export function createController(opts: ControllerOptions): Controller {
  const { store } = opts;
  let comp = opts.composition;
  let flags = { ...opts.flags };
  let messages: Message[] | undefined = opts.messages;
  let history = [...opts.history];
  /** the running turn or slash command; `ending`: its run_end was shown, only the trace is being written */
  let turn: { ctl: AbortController; done: Promise<void>; ending?: boolean } | null = null;
  let ctrlCs = 0;
  const checkpoints: Checkpoint[] = [];
  /** the checkpoint taken before the composition's last run: undoing it is a signal about that run's trace */
  let lastRunCheckpoint: Checkpoint | null = null;
  let first: Checkpoint | null = null;
  /** sessions that left a checkpoint ref in the repository (dropped when the session ends or is cleared) */
  const refs = new Map<string, string>();
  const always = new Set<string>();
  let pending: { req: ApprovalRequest; resolve: (d: Decision) => void } | null = null;

  const notice = (text: string, tone: 'info' | 'warn' | 'error' = 'info') =>
    store.dispatch({ type: 'ui_notice', text, tone });

  // asks a person; what to ask about is decided by the policy (agent/policy.ts) the composition wires in
  const approve = (req: ApprovalRequest): Promise<Decision> => {
    return new Promise<Decision>((resolve) => {
      pending = { req, resolve };
      store.dispatch({ type: 'ui_approval', request: req });
    });
  };

  const settle = (d: Decision) => {
    const p = pending;
    pending = null;
    store.dispatch({ type: 'ui_approval', request: null });
    p?.resolve(d);
  };

  async function runTurn(task: string, ctl: AbortController): Promise<void> {
    store.dispatch({ type: 'ui_user', text: task });
    if (comp.isRepo) {
      try {
        const cp = await createCheckpoint(comp.workspace, comp.sessionId);
        refs.set(comp.sessionId, comp.workspace);
        checkpoints.push(cp);
        lastRunCheckpoint = cp;
        first ??= cp;
      } catch (err) {
        notice(`no checkpoint for /undo: ${(err as Error).message}`, 'warn');
      }
    }
    const gen = comp.run(task, ctl.signal, {
      ...(messages ? { history: messages } : {}),
      approve,
      alwaysAllowed: always,
    });
    try {
      while (true) {
        const next = await gen.next();
        if (next.done) {
          messages = next.value.messages;
          break;
        }
        if (next.value.type === 'run_end' && turn?.ctl === ctl) turn.ending = true;
        store.dispatch(next.value);
      }
    } catch (err) {
      notice(`internal error: ${(err as Error).message}`, 'error');
    }
  }

  function startTurn(task: string): void {
    const ctl = new AbortController();
    ctrlCs = 0;
    // after a run_end the prompt says ready: what is typed then starts once the last turn's trace is written
    const prev = turn?.done ?? Promise.resolve();
    const done = prev
      .then(() => runTurn(task, ctl))
      .finally(() => {
        if (turn?.ctl === ctl) turn = null;
        if (pending) settle({ decision: 'denied', reason: 'the turn ended' });
      });
    turn = { ctl, done };
  }

  // The checkpoint commits live under refs/sedge/checkpoints/<session> only while the session can undo.
  async function dropRefs(): Promise<void> {
    for (const [id, root] of refs) await dropCheckpoints(root, id);
    refs.clear();
  }

  async function recompose(next: { flags?: FlagValues; sessionId?: string }): Promise<void> {
    const old = comp;
    comp = await opts.compose({ flags: next.flags ?? flags, ...(next.sessionId ? { sessionId: next.sessionId } : {}) });
    await old.close();
  }

  async function slash(line: string): Promise<void> {
    const [cmd = '', ...rest] = line.slice(1).trim().split(/\s+/);
    const arg = rest.join(' ');
    switch (cmd) {
      case 'help':
      case '?':
        return notice(slashHelp());
      case 'exit':
      case 'quit':
      case 'q':
        return opts.exit(0);
      case 'model':
        if (!arg) return notice(`model: ${comp.model.id} (use /model NAME to switch)`);
        flags = { ...flags, model: arg };
        await recompose({ sessionId: comp.sessionId });
        store.dispatch({ type: 'ui_model', model: comp.model.id });
        return notice(`model set to ${comp.model.id}`);
      case 'clear': {
        const before = { id: comp.sessionId, saved: existsSync(comp.sessionPath) };
        await dropRefs();
        await recompose({});
        messages = undefined;
        checkpoints.length = 0;
        lastRunCheckpoint = null;
        first = null;
        always.clear();
        store.dispatch({ type: 'ui_reset', sessionId: comp.sessionId });
        return notice(
          `── new session ${comp.sessionId} ── a fresh conversation: the model remembers nothing from before` +
            (before.saved ? ` (sedge --resume ${before.id} reopens the previous one)` : ''),
        );
      }
      case 'diff': {
        if (!first) return notice(comp.isRepo ? 'no changes yet' : 'not a git repository: no checkpoints');
        const diff = await diffSince(comp.workspace, first);
        return diff.trim()
          ? store.dispatch({ type: 'ui_diff', title: 'changes this session', diff })
          : notice('no changes since the session started');
      }
      case 'undo': {
        const cp = checkpoints.pop();
        if (!cp) return notice(comp.isRepo ? 'nothing to undo' : 'not a git repository: /undo needs git', 'warn');
        const res = await restoreCheckpoint(comp.workspace, cp);
        const files = [...res.restored, ...res.removed.map((f) => `${f} (removed)`)];
        if (files.length === 0) return notice('the last turn changed no files');
        if (cp === lastRunCheckpoint) {
          lastRunCheckpoint = null;
          await comp.signalLastRun?.({ kind: 'undone' });
        }
        messages?.push({
          role: 'user',
          content: `(The user undid the file changes of your last turn: ${files.join(', ')} are back as they were before it.)`,
        });
        return notice(`restored ${files.join(', ')}`);
      }
      case 'traces': {
        const r = store.getState().lastRecall;
        if (!r || r.items.length === 0) return notice('recall gave the last turn nothing');
        return notice(
          [
            `recall used ${r.tokens} tokens:`,
            ...r.items.map((i) => `  ${i.id}  ${i.outcome}  ${i.task}`),
            ...(r.files.length ? [`  files: ${r.files.join(', ')}`] : []),
          ].join('\n'),
        );
      }
      case 'resume': {
        if (!arg) {
          const list = listSessions(opts.stateDir, 10);
          if (!list.length) return notice('no saved sessions');
          return notice(
            [
              'recent sessions (/resume ID):',
              ...list.map((s) => `  ${s.id}  ${s.task.split('\n')[0]?.slice(0, 60) ?? ''}`),
            ].join('\n'),
          );
        }
        const found = findSession(opts.stateDir, arg);
        if (!found) return notice(`no session ${arg}`, 'error');
        const events = loadSessionEvents(found.path);
        await recompose({ sessionId: found.id });
        messages = messagesFromEvents(events);
        checkpoints.length = 0;
        first = null;
        store.dispatch({ type: 'ui_load', sessionId: found.id, events });
        return notice(`resumed session ${found.id}`);
      }
      default:
        return notice(`unknown command /${cmd} (try /help)`, 'warn');
    }
  }

  return {
    submit(text) {
      const line = text.trim();
      if (!line) return false;
      ctrlCs = 0;
      if (line === '/exit' || line === '/quit') {
        opts.exit(0);
        return true;
      }
      if (turn && !turn.ending) {
        const busy = whileTurnRuns(line);
        if (busy.verdict === 'run')
          void slash(line).catch((err: Error) => notice(`/${busy.name}: ${err.message}`, 'error'));
        else if (busy.verdict === 'refuse')
          notice(`a turn is running: /${busy.name} was not run (wait for the turn, or Ctrl-C to interrupt it)`, 'warn');
        else notice('a turn is running: wait for it, or press Ctrl-C to interrupt it', 'warn');
        return busy.verdict !== 'keep';
      }
      history = history[history.length - 1] === text ? history : [...history, text];
      try {
        saveInputHistory(opts.stateDir, comp.workspace, history);
      } catch {
        /* history is a convenience */
      }
      if (line.startsWith('/') && !line.startsWith('//')) {
        const ctl = new AbortController();
        const prev = turn?.done ?? Promise.resolve();
        const done = prev
          .then(() => slash(line))
          .catch((err: Error) => notice(`/${line.slice(1).split(/\s/)[0]}: ${err.message}`, 'error'))
          .finally(() => {
            if (turn?.ctl === ctl) turn = null;
          });
        turn = { ctl, done };
        return true;
      }
      startTurn(text);
      return true;
    },
    answer(a) {
      if (!pending) return;
      const name = pending.req.call.name;
      if (a === 'yes') settle({ decision: 'approved' });
      else if (a === 'always') {
        always.add(name);
        settle({ decision: 'approved' });
      } else if (a === 'explain')
        settle({
          decision: 'denied',
          reason:
            'the user wants an explanation first: say what this call would do and why it is needed, then ask for it again',
        });
      else
        settle({ decision: 'denied', reason: a === 'cancel' ? 'the user cancelled the request' : 'the user said no' });
    },
    ctrlC() {
      ctrlCs++;
      if (turn && ctrlCs === 1) {
        turn.ctl.abort(new Error('interrupted'));
        if (pending) settle({ decision: 'denied', reason: 'interrupted' });
        return notice('interrupting… (Ctrl-C again to exit)', 'warn');
      }
      if (ctrlCs >= 2) return opts.exit(turn ? 130 : 0);
      notice('press Ctrl-C again to exit', 'warn');
    },
    async idle() {
      while (turn) await turn.done;
    },
    session: () => ({ id: comp.sessionId, saved: Boolean(comp.sessionPath) && existsSync(comp.sessionPath) }),
    async close() {
      turn?.ctl.abort(new Error('exiting'));
      if (pending) settle({ decision: 'denied', reason: 'exiting' });
      await turn?.done.catch(() => undefined);
      // the session ends: what the person did since the last run (edited its files again, committed them)
      await comp.followUp?.().catch(() => undefined);
      await dropRefs();
      await comp.close();
    },
  };
}
