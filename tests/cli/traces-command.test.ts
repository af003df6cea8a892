import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runTracesCommand } from '../../src/cli/traces-command.js';
import { repoIdentity } from '../../src/repo/identity.js';
import { openTraceStore } from '../../src/traces/store.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';
import { record } from '../traces/helpers.js';

function sink() {
  let text = '';
  return {
    stream: { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream,
    text: () => text,
  };
}

describe('sedge traces', () => {
  let home: TempHome;
  let repo: { dir: string; cleanup: () => void };
  beforeEach(() => {
    home = makeTempHome();
    repo = makeTempRepo({ 'lib/a.js': 'a\n' });
  });
  afterEach(() => {
    home.cleanup();
    repo.cleanup();
  });

  async function run(...argv: string[]) {
    const out = sink();
    const err = sink();
    const code = await runTracesCommand(argv, { cwd: repo.dir, stdout: out.stream, stderr: err.stream, env: home.env });
    return { code, out: out.text(), err: err.text() };
  }

  it('list, show, export, forget and prune the current repo', async () => {
    expect((await run('list')).out).toMatch(/no traces/);
    const id = (await repoIdentity(repo.dir))!.id;
    const store = openTraceStore({ repoId: id, cacheDir: join(home.env.XDG_CACHE_HOME, 'sedge') });
    await store.append(record('t-one', 'Fix the parser', ['lib/a.js'], { test_command: 'npm test' }));
    await store.append(record('t-two', 'Add a flag', ['lib/b.js']));
    const list = await run('list', '--json');
    expect(
      list.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
    ).toEqual(['t-one', 't-two']);
    expect((await run('list')).out).toContain('Fix the parser');
    const show = await run('show', 't-one');
    expect(show.out).toContain('tests: npm test');
    expect(JSON.parse((await run('show', 't-one', '--json')).out).files_changed).toEqual([{ path: 'lib/a.js' }]);
    expect((await run('show', 'nope')).code).toBe(1);
    expect((await run('export')).out.trim().split('\n')).toHaveLength(2);
    expect((await run('forget', 't-one')).code).toBe(0);
    expect((await run('list', '--json')).out).not.toContain('t-one');
    expect(JSON.parse((await run('prune', '--max', '0', '--json')).out)).toEqual({ removed: 1, left: 0 });
  });

  it('prune --max N leaves exactly N records (the automatic low-water mark does not apply)', async () => {
    const id = (await repoIdentity(repo.dir))!.id;
    const store = openTraceStore({ repoId: id, cacheDir: join(home.env.XDG_CACHE_HOME, 'sedge') });
    for (let i = 0; i < 12; i++) store.append(record(`t-${i}`, `task number ${i}`, [`lib/f${i}.js`]));
    expect(JSON.parse((await run('prune', '--max', '10', '--json')).out)).toEqual({ removed: 2, left: 10 });
    expect((await run('list', '--json')).out.trim().split('\n')).toHaveLength(10);
    expect((await run('prune', '--max', '10')).out).toBe('removed 0 trace(s), 10 left\n');
    expect(JSON.parse((await run('prune', '--max', '3', '--json')).out)).toEqual({ removed: 7, left: 3 });
    expect((await run('export')).out.trim().split('\n')).toHaveLength(3);
  });

  it('refuses outside git and rejects bad usage', async () => {
    const r = await runTracesCommand(['list'], {
      cwd: home.dir,
      stdout: sink().stream,
      stderr: sink().stream,
      env: home.env,
    });
    expect(r).toBe(2);
    expect((await run('frobnicate')).code).toBe(2);
    expect((await run('prune', '--max')).code).toBe(2);
  });

  it('replay prints one JSON line per task with prior shas and files', async () => {
    const file = join(home.dir, 'r.jsonl');
    const lines = [
      { i: 0, sha: 's0', subject: 'feat(router): add params', body: '', files: ['lib/router.js'] },
      { i: 1, sha: 's1', subject: 'fix cookies', body: 'signed', files: ['lib/cookie.js'] },
      { i: 2, sha: 's2', subject: 'fix(router): params with dots', body: '', files: ['lib/router.js'] },
    ];
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n'));
    const r = await run('replay', file, '--warmup', '2');
    expect(r.code).toBe(0);
    const out = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ i: 2, traces: ['s0', 's1'], files: ['lib/router.js', 'lib/cookie.js'] });
    expect(typeof out[0].ms).toBe('number');
  });
});
