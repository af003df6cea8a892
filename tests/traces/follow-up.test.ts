import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runExecCommand } from '../../src/cli/exec-command.js';
import { compose } from '../../src/cli/compose.js';
import { runTracesCommand } from '../../src/cli/traces-command.js';
import { ChatExampleSchema } from '../../src/traces/chat-export.js';
import { followUpOf } from '../../src/traces/follow-up.js';
import { createController } from '../../src/ui/interactive-controller.js';
import { createStore } from '../../src/ui/store.js';
import { initialState } from '../../src/ui/transcript.js';
import type { TempHome } from '../support/repo.js';
import { closeScriptedRepo, openScriptedRepo, VALUE_REPO } from '../support/scripted-repo.js';
import type { ScriptedServer } from '../support/scripted-server.js';

/**
 * "Edited the file again afterwards" and "committed the change": the real interactive controller over the
 * real composition, the scripted server as the model, a real git repository edited and committed by hand.
 */
let server: ScriptedServer;
let home: TempHome;
let repo: { dir: string; cleanup: () => void };

beforeEach(async () => {
  ({ server, home, repo } = await openScriptedRepo(VALUE_REPO));
});
afterEach(() => closeScriptedRepo({ server, home, repo }));

const env = () => ({
  ...home.env,
  PATH: process.env.PATH,
  OPENAI_BASE_URL: server.baseURL,
  OPENAI_API_KEY: 'sk-test-follow-up-000',
});
const flags = { model: 'scripted', testCmd: 'sh check.sh', recall: false };
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo.dir, encoding: 'utf8' }).trim();

/** the newest version of every trace record, in the order first written */
function traces(): Record<string, Record<string, unknown>> {
  const root = join(home.env.XDG_CACHE_HOME, 'sedge', 'repos');
  const byId: Record<string, Record<string, unknown>> = {};
  for (const id of readdirSync(root))
    for (const line of readFileSync(join(root, id, 'traces.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)) {
      const rec = JSON.parse(line) as Record<string, unknown>;
      byId[rec.id as string] = rec;
    }
  return byId;
}
const byTask = (task: string) => Object.values(traces()).find((t) => t.task === task) as Record<string, unknown>;

function sessionSignals(sessionId: string): Record<string, unknown>[] {
  const file = join(home.env.XDG_STATE_HOME, 'sedge', 'sessions', `${sessionId}.jsonl`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.type === 'signal');
}

/** an interactive session: the controller, the composition it starts with, a way to run a turn */
async function session() {
  const build = (o: { flags: typeof flags; sessionId?: string }) =>
    compose({
      cwd: repo.dir,
      env: env(),
      flags: o.flags,
      approvalMode: 'auto',
      interactive: true,
      followUp: true,
      ...(o.sessionId ? { sessionId: o.sessionId } : {}),
    });
  const composition = await build({ flags });
  const store = createStore(initialState());
  const ctl = createController({
    store,
    compose: build as never,
    composition,
    flags,
    ask: false,
    stateDir: join(home.env.XDG_STATE_HOME, 'sedge'),
    history: [],
    exit: () => undefined,
  });
  const turn = async (text: string) => {
    expect(ctl.submit(text)).toBe(true);
    await ctl.idle();
  };
  return { ctl, turn, sessionId: composition.sessionId };
}

const FIX = { tool_calls: [{ name: 'sed', arguments: { path: 'value.txt', script: 's/bad/good/' } }] };

describe('follow-up signals: what the person did with a run afterwards', () => {
  it('a file the run changed, edited again by hand, is noticed at the next prompt (trace, session, export)', async () => {
    const s = await session();
    server.push(FIX, { text: 'value.txt says good.' });
    await s.turn('make value.txt say good');
    // the person edits the file outside sedge, then asks something else
    writeFileSync(join(repo.dir, 'value.txt'), 'good\n# checked by hand\n');
    server.push({ text: 'Nothing else to do.' });
    await s.turn('anything else?');
    await s.ctl.close();

    const first = byTask('make value.txt say good');
    expect(first.signals).toMatchObject({ edited_again: true });
    expect(first.signals).not.toHaveProperty('committed');
    expect(first.left).toMatchObject({ head: git('rev-parse', 'HEAD') });
    // the second run changed nothing: nothing to follow
    expect(byTask('anything else?').signals).toBeUndefined();
    expect(sessionSignals(s.sessionId)).toEqual([
      expect.objectContaining({ kind: 'edited_again', trace_id: first.id, files: ['value.txt'] }),
    ]);

    const out = await exportChat();
    const reward = out.find((l) => l.metadata.task === 'make value.txt say good')?.reward;
    expect(reward).toMatchObject({ edited_again: true, committed: false });
    expect(out.find((l) => l.metadata.task === 'anything else?')?.reward).toMatchObject({
      edited_again: false,
      committed: false,
    });
  }, 60_000);

  it('a commit that holds the run’s change is noticed when the session ends', async () => {
    const s = await session();
    server.push(FIX, { text: 'value.txt says good.' });
    await s.turn('make value.txt say good');
    git('commit', '-qam', 'value is good');
    await s.ctl.close();

    const rec = byTask('make value.txt say good');
    expect(rec.signals).toMatchObject({ committed: true, commit: git('rev-parse', 'HEAD') });
    expect(rec.signals).not.toHaveProperty('edited_again');
    expect(sessionSignals(s.sessionId)).toEqual([
      expect.objectContaining({ kind: 'committed', trace_id: rec.id, commit: git('rev-parse', 'HEAD') }),
    ]);
    const reward = (await exportChat())[0]?.reward;
    expect(reward).toMatchObject({ committed: true, edited_again: false, accepted: true });
  }, 60_000);

  it('nothing happened after the run: neither signal is recorded', async () => {
    const s = await session();
    server.push(FIX, { text: 'value.txt says good.' });
    await s.turn('make value.txt say good');
    server.push({ text: 'Looks fine.' });
    await s.turn('is it fine?');
    await s.ctl.close();

    const rec = byTask('make value.txt say good');
    expect(rec.left).toBeDefined();
    expect(rec.signals).toBeUndefined();
    expect(byTask('is it fine?').signals).toBeUndefined();
    expect(sessionSignals(s.sessionId)).toEqual([]);
  }, 60_000);

  it('/undo puts the files back by sedge: that is "undone", not an edit by hand', async () => {
    const s = await session();
    server.push(FIX, { text: 'value.txt says good.' });
    await s.turn('make value.txt say good');
    await s.turn('/undo');
    expect(readFileSync(join(repo.dir, 'value.txt'), 'utf8')).toBe('bad\n');
    server.push({ text: 'ok' });
    await s.turn('and now?');
    await s.ctl.close();

    const rec = byTask('make value.txt say good');
    expect(rec.signals).toEqual({ approved: 0, denied: 0, undone: true });
    expect(sessionSignals(s.sessionId)).toEqual([expect.objectContaining({ kind: 'undone', trace_id: rec.id })]);
  }, 60_000);

  it('exec: the next exec run in the checkout records that the previous one was committed', async () => {
    server.push(FIX, { text: 'value.txt says good.' });
    expect(await execOnce('make value.txt say good')).toBe(0);
    git('commit', '-qam', 'value is good');
    server.push({ text: 'All good.' });
    expect(await execOnce('check value.txt')).toBe(0);
    const rec = byTask('make value.txt say good');
    expect(rec.signals).toMatchObject({ committed: true, commit: git('rev-parse', 'HEAD') });
    expect(rec.signals).not.toHaveProperty('edited_again');
    expect(sessionSignals(rec.session_id as string)).toEqual([expect.objectContaining({ kind: 'committed' })]);
  }, 60_000);
});

describe('followUpOf (the decision, pure)', () => {
  const base = {
    files: [{ path: 'a.txt', blob: 'R' }],
    work: new Map([['a.txt', 'R']]),
    headThen: 'H0',
    headNow: 'H0',
    inHead: new Map<string, string>(),
    inThen: new Map<string, string>(),
    descends: true,
    edits: true,
  };
  it('untouched: nothing; edited: edited; a commit of the run’s version: committed', () => {
    expect(followUpOf(base)).toEqual({ edited: [], committed: [], commit: null });
    expect(followUpOf({ ...base, work: new Map([['a.txt', 'W']]) }).edited).toEqual(['a.txt']);
    expect(followUpOf({ ...base, work: new Map() }).edited).toEqual(['a.txt']);
    const committed = { ...base, headNow: 'H1', inHead: new Map([['a.txt', 'R']]), inThen: new Map([['a.txt', 'P']]) };
    expect(followUpOf(committed)).toEqual({ edited: [], committed: ['a.txt'], commit: 'H1' });
  });
  it('a switch to another branch is not an edit; a commit of a hand edit is an edit, not a commit of the run', () => {
    const other = { ...base, headNow: 'X', work: new Map([['a.txt', 'B']]), inHead: new Map([['a.txt', 'B']]) };
    expect(followUpOf({ ...other, descends: false })).toEqual({ edited: [], committed: [], commit: null });
    expect(followUpOf({ ...other, descends: true })).toEqual({ edited: ['a.txt'], committed: [], commit: null });
    // HEAD already held the run's version when it ended: a later commit is not the run's
    const already = { ...base, headNow: 'H1', inHead: new Map([['a.txt', 'R']]), inThen: new Map([['a.txt', 'R']]) };
    expect(followUpOf(already).committed).toEqual([]);
    // only the newest run is looked at for edits
    expect(followUpOf({ ...base, work: new Map([['a.txt', 'W']]), edits: false }).edited).toEqual([]);
  });
});

async function execOnce(task: string): Promise<number> {
  const sink = () => {
    const p = new PassThrough();
    p.resume();
    return p;
  };
  return runExecCommand(['--model', 'scripted', '--test-cmd', 'sh check.sh', '--no-recall', task], {
    stdout: sink(),
    stderr: sink(),
    stdin: new PassThrough(),
    env: env(),
    cwd: repo.dir,
  });
}

async function exportChat() {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const stderr = new PassThrough();
  stderr.resume();
  const code = await runTracesCommand(['traces', 'export', '--format', 'chat-jsonl'], {
    cwd: repo.dir,
    stdout,
    stderr,
    env: env(),
  });
  expect(code).toBe(0);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => ChatExampleSchema.parse(JSON.parse(l)));
}
