import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentEvent, EventInit } from '../../src/agent/events.js';
import type { ApprovalRequest, Decision, RunResult } from '../../src/agent/types.js';
import { createController } from '../../src/ui/interactive-controller.js';
import type { Composition, RunOptions, RunSignal } from '../../src/agent/composition.js';
import { listSessions, loadInputHistory, messagesFromEvents, saveInputHistory } from '../../src/agent/session-files.js';
import type { Message } from '../../src/model/types.js';
import { createStore } from '../../src/ui/store.js';
import { initialState } from '../../src/ui/transcript.js';
import { makeTempHome, makeTempRepo } from '../support/repo.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** Wait for a condition (bounded): the controller takes a git checkpoint before each turn. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

type Turn = (
  task: string,
  signal: AbortSignal,
  opts: RunOptions,
  emit: (e: EventInit) => AgentEvent,
) => AsyncGenerator<AgentEvent, void>;

/** A composition whose runs are scripted generators (no model, no tools), recording what it was given. */
function fakeComposition(workspace: string, isRepo: boolean, turns: Turn[], id = 'sess-a') {
  const calls: { task: string; history?: Message[]; approve?: RunOptions['approve'] }[] = [];
  const signals: RunSignal[] = [];
  let closed = false;
  const comp = {
    workspace,
    isRepo,
    sessionId: id,
    sessionPath: '',
    model: { id: 'fake-model', stream: () => (async function* () {})() },
    settings: { contextTokens: 1000 },
    tools: {},
    run(task: string, signal: AbortSignal, opts: RunOptions = {}) {
      calls.push({
        task,
        ...(opts.history ? { history: opts.history } : {}),
        ...(opts.approve ? { approve: opts.approve } : {}),
      });
      const turn = turns.shift();
      let seq = 0;
      const emit = (e: EventInit) => ({ ...e, seq: seq++, ts: 1 }) as AgentEvent;
      return (async function* (): AsyncGenerator<AgentEvent, RunResult> {
        yield emit({
          type: 'run_start',
          version: 1,
          session_id: id,
          task,
          cwd: workspace,
          model: 'fake-model',
          tools: [],
          approval: 'auto',
        });
        if (turn) yield* turn(task, signal, opts, emit);
        const status = signal.aborted ? 'aborted' : 'done';
        yield emit({
          type: 'run_end',
          status,
          reason: status,
          final_text: '',
          steps: 1,
          usage: { input_tokens: 0, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0 },
          duration_ms: 1,
          verified: null,
        });
        return {
          status,
          reason: status,
          finalText: '',
          steps: 1,
          messages: [...(opts.history ?? []), { role: 'user', content: task }],
        };
      })();
    },
    async signalLastRun(s: RunSignal) {
      signals.push(s);
    },
    async close() {
      closed = true;
    },
  } as unknown as Composition;
  return { comp, calls, signals, closed: () => closed };
}

function setup(turns: Turn[], opts: { ask?: boolean; repo?: boolean } = {}) {
  const home = makeTempHome();
  const repo = makeTempRepo({ 'a.txt': 'one\n' });
  cleanups.push(home.cleanup, repo.cleanup);
  const { comp, calls, signals, closed } = fakeComposition(repo.dir, opts.repo ?? true, turns);
  const store = createStore(initialState());
  const exits: number[] = [];
  const composed: string[] = [];
  const ctl = createController({
    store,
    composition: comp,
    compose: async (o) => {
      composed.push(o.flags.model ?? '');
      return fakeComposition(repo.dir, true, [], o.sessionId ?? 'sess-new').comp;
    },
    flags: {},
    ask: opts.ask ?? false,
    stateDir: join(home.dir, 'state'),
    history: [],
    exit: (c) => exits.push(c),
  });
  const notices = () => store.getState().done.flatMap((i) => (i.kind === 'notice' ? [i.text] : []));
  return { ctl, store, calls, signals, closed, exits, composed, notices, repo, home };
}

describe('interactive controller', () => {
  it('runs turns one at a time and carries the conversation into the next', async () => {
    const { ctl, calls, store } = setup([]);
    expect(ctl.submit('first')).toBe(true);
    expect(ctl.submit('second while busy')).toBe(false);
    await ctl.idle();
    expect(ctl.submit('second')).toBe(true);
    await ctl.idle();
    expect(calls.map((c) => c.task)).toEqual(['first', 'second']);
    expect(calls[1]?.history).toEqual([{ role: 'user', content: 'first' }]);
    // a person is there to ask; whether to ask is decide()'s call (tests/agent/policy.test.ts)
    expect(calls[0]?.approve).toBeTypeOf('function');
    expect(
      store
        .getState()
        .done.filter((i) => i.kind === 'user')
        .map((i) => (i.kind === 'user' ? i.text : '')),
    ).toEqual(['first', 'second']);
  });

  it('asks a person when the policy says ask, and "always" reaches the policy as allowed for the session', async () => {
    const decisions: Decision[] = [];
    const ask = (kind: ApprovalRequest['kind'], name = 'shell'): ApprovalRequest => ({
      call: { id: 'c', name, arguments: '{}' },
      kind,
      args: {},
      title: 't',
    });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let allowed: ReadonlySet<string> | undefined;
    const { ctl, store } = setup(
      [
        async function* (_t, _s, opts) {
          const pending = opts.approve!(ask('execute'));
          await gate;
          decisions.push(await pending);
          allowed = opts.alwaysAllowed;
        },
      ],
      { ask: true },
    );
    ctl.submit('go');
    await until(() => store.getState().approval !== null, 'the approval request');
    expect(store.getState().approval?.call.name).toBe('shell');
    ctl.answer('always');
    release();
    await ctl.idle();
    expect(decisions).toEqual([{ decision: 'approved' }]);
    expect(allowed?.has('shell')).toBe(true);
    expect(store.getState().approval).toBeNull();
  });

  it('explain and Esc deny with a reason the model can act on', async () => {
    const decisions: Decision[] = [];
    const req: ApprovalRequest = {
      call: { id: 'c', name: 'shell', arguments: '{}' },
      kind: 'execute',
      args: {},
      title: 'rm',
    };
    const { ctl } = setup(
      [
        async function* (_t, _s, opts) {
          const a = opts.approve!(req);
          ctl.answer('explain');
          decisions.push(await a);
          const b = opts.approve!(req);
          ctl.answer('cancel');
          decisions.push(await b);
        },
      ],
      { ask: true },
    );
    ctl.submit('go');
    await ctl.idle();
    expect(decisions[0]).toMatchObject({ decision: 'denied', reason: expect.stringContaining('explanation') });
    expect(decisions[1]).toMatchObject({ decision: 'denied', reason: expect.stringContaining('cancelled') });
  });

  it('Ctrl-C once interrupts the turn (the session stays usable), twice exits', async () => {
    const { ctl, exits, store, calls } = setup([
      async function* (_t, signal) {
        if (!signal.aborted)
          await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
      },
    ]);
    ctl.submit('long');
    await until(() => store.getState().status.running, 'the turn to start');
    ctl.ctrlC();
    await ctl.idle();
    expect(store.getState().done.at(-1)).toMatchObject({ kind: 'run_end', status: 'aborted' });
    expect(exits).toEqual([]);
    ctl.submit('again');
    await ctl.idle();
    expect(calls).toHaveLength(2);
    ctl.ctrlC();
    expect(exits).toEqual([]);
    ctl.ctrlC();
    expect(exits).toEqual([0]);
  });

  it('/undo restores the last turn from its checkpoint; /diff shows the session diff', async () => {
    const { ctl, notices, repo, store, signals } = setup([
      async function* () {
        writeFileSync(join(repo.dir, 'a.txt'), 'two\n');
        writeFileSync(join(repo.dir, 'b.txt'), 'new\n');
      },
    ]);
    ctl.submit('edit');
    await ctl.idle();
    ctl.submit('/diff');
    await ctl.idle();
    expect(store.getState().done.at(-1)).toMatchObject({ kind: 'diff', diff: expect.stringContaining('+two') });
    ctl.submit('/undo');
    await ctl.idle();
    expect(readFileSync(join(repo.dir, 'a.txt'), 'utf8')).toBe('one\n');
    expect(notices().at(-1)).toBe('restored a.txt, b.txt (removed)');
    // the undo is a signal about the last run, kept in its trace
    expect(signals).toEqual([{ kind: 'undone' }]);
    ctl.submit('/undo');
    await ctl.idle();
    expect(notices().at(-1)).toBe('nothing to undo');
    // the private checkpoint ref is dropped when the session ends
    const refs = () => execFileSync('git', ['for-each-ref', 'refs/sedge/'], { cwd: repo.dir, encoding: 'utf8' }).trim();
    expect(refs()).toContain('refs/sedge/checkpoints/sess-a');
    await ctl.close();
    expect(refs()).toBe('');
  });

  it('during a turn a slash command is refused and leaves the prompt, /help still answers, text stays', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { ctl, notices, calls } = setup([
      async function* (_t, _s, _o, emit) {
        yield emit({ type: 'step_start', step: 1 });
        await gate;
      },
    ]);
    expect(ctl.submit('long')).toBe(true);
    await until(() => calls.length === 1, 'the turn to start');
    // true: the app clears the prompt (the command is not queued, so it must not look pending)
    expect(ctl.submit('/diff')).toBe(true);
    expect(notices().at(-1)).toMatch(/a turn is running: \/diff was not run/);
    expect(ctl.submit('/help')).toBe(true);
    await until(() => notices().at(-1)?.startsWith('Commands') ?? false, '/help during the turn');
    expect(ctl.submit('more text')).toBe(false);
    release();
    await ctl.idle();
    expect(calls).toHaveLength(1);
  });

  it('/clear says which session starts; session() names the current one', async () => {
    const { ctl, notices } = setup([]);
    expect(ctl.session()).toEqual({ id: 'sess-a', saved: false });
    ctl.submit('/clear');
    await ctl.idle();
    expect(notices().at(-1)).toMatch(/^── new session sess-new ── a fresh conversation/);
    expect(ctl.session().id).toBe('sess-new');
  });

  it('/model and /clear rebuild the composition; /help and unknown commands answer', async () => {
    const { ctl, composed, closed, store, notices } = setup([]);
    ctl.submit('/model other-model');
    await ctl.idle();
    expect(composed).toEqual(['other-model']);
    expect(closed()).toBe(true);
    const epoch = store.getState().epoch;
    ctl.submit('/clear');
    await ctl.idle();
    expect(store.getState().epoch).toBe(epoch + 1);
    ctl.submit('/help');
    await ctl.idle();
    expect(notices().at(-1)).toContain('/undo');
    ctl.submit('/nope');
    await ctl.idle();
    expect(notices().at(-1)).toContain('unknown command /nope');
    ctl.submit('/exit');
  });
});

describe('interactive controller: /traces and /resume', () => {
  it('/traces shows what recall gave the last turn', async () => {
    const { ctl, notices } = setup([
      async function* (_t, _s, _o, emit) {
        yield emit({
          type: 'recall',
          items: [{ id: 'tr-1', task: 'fix the parser', outcome: 'done', score: 2 }],
          files: ['src/p.ts'],
          tokens: 120,
        });
      },
    ]);
    ctl.submit('/traces');
    await ctl.idle();
    expect(notices().at(-1)).toContain('recall gave the last turn nothing');
    ctl.submit('go');
    await ctl.idle();
    ctl.submit('/traces');
    await ctl.idle();
    expect(notices().at(-1)).toMatch(/recall used 120 tokens:\n\s+tr-1\s+done\s+fix the parser\n\s+files: src\/p\.ts/);
  });

  it('/resume lists saved sessions and reopens one with its transcript and conversation', async () => {
    const { ctl, notices, store, home, calls } = setup([]);
    const sessions = join(home.dir, 'state', 'sessions');
    mkdirSync(sessions, { recursive: true });
    const id = '20260101-000000-cccccc';
    const lines = [
      {
        type: 'run_start',
        seq: 0,
        ts: 0,
        version: 1,
        session_id: id,
        task: 'old task',
        cwd: '/w',
        model: 'm',
        tools: [],
        approval: 'auto',
      },
      { type: 'assistant_message', seq: 1, ts: 0, text: 'old answer', tool_calls: [] },
      {
        type: 'run_end',
        seq: 2,
        ts: 0,
        status: 'done',
        reason: 'ok',
        final_text: 'old answer',
        steps: 1,
        usage: { input_tokens: 0, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0 },
        duration_ms: 5,
        verified: null,
      },
    ];
    writeFileSync(join(sessions, `${id}.jsonl`), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    ctl.submit('/resume');
    await ctl.idle();
    expect(notices().at(-1)).toContain(`${id}  old task`);
    ctl.submit('/resume 20260101');
    await ctl.idle();
    const s = store.getState();
    expect(s.status.sessionId).toBe(id);
    expect(s.done.map((i) => i.kind)).toEqual(['user', 'assistant', 'run_end', 'notice']);
    expect(calls).toHaveLength(0);
  });
});

describe('session files', () => {
  it('persists prompt history per workspace with private permissions', () => {
    const home = makeTempHome();
    cleanups.push(home.cleanup);
    saveInputHistory(home.dir, '/repo/a', ['one', 'two']);
    expect(loadInputHistory(home.dir, '/repo/a')).toEqual(['one', 'two']);
    expect(loadInputHistory(home.dir, '/repo/b')).toEqual([]);
    const dir = join(home.dir, 'history');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const file = join(dir, readdirSync(dir)[0] as string);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('lists sessions newest first and rebuilds the conversation, answering unfinished calls', () => {
    const home = makeTempHome();
    cleanups.push(home.cleanup);
    const sessions = join(home.dir, 'sessions');
    mkdirSync(sessions, { recursive: true });
    const start = (task: string) =>
      JSON.stringify({
        type: 'run_start',
        seq: 0,
        ts: 0,
        version: 1,
        session_id: 'x',
        task,
        cwd: '/w',
        model: 'm',
        tools: [],
        approval: 'auto',
      });
    writeFileSync(join(sessions, '20260101-000000-aaaaaa.jsonl'), `${start('older')}\n`);
    writeFileSync(join(sessions, '20260102-000000-bbbbbb.jsonl'), `${start('newer')}\n`);
    expect(listSessions(home.dir).map((s) => s.task)).toEqual(['newer', 'older']);
    const ev = (e: object) => e as AgentEvent;
    const messages = messagesFromEvents(
      [
        ev({ type: 'run_start', task: 'fix' }),
        ev({
          type: 'assistant_message',
          text: '',
          tool_calls: [
            { id: 'c1', name: 'shell', arguments: '{}' },
            { id: 'c2', name: 'grep', arguments: '{}' },
          ],
        }),
        ev({ type: 'tool_end', call_id: 'c1', name: 'shell', output: 'ok' }),
      ],
      'SYSTEM',
    );
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'tool']);
    expect(messages[4]).toMatchObject({ tool_call_id: 'c2', content: expect.stringContaining('did not finish') });
  });
});
