import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openRepoTraces } from '../../src/traces/session.js';
import { openTraceStore } from '../../src/traces/store.js';
import { decodeIndex } from '../../src/traces/store-index.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';
import { record } from './helpers.js';

let home: TempHome;
let repo: { dir: string; cleanup: () => void };
afterEach(() => {
  repo?.cleanup();
  home?.cleanup();
});

describe('one trace store per repository in a process (a batch opens it once per task)', () => {
  it('is opened once, sees what another process appended, and keeps stores of different secrets apart', async () => {
    home = makeTempHome();
    repo = makeTempRepo({ 'a.txt': 'a\n' });
    const env = { ...home.env, OPENAI_API_KEY: 'sk-first-key-000000000000' };
    const first = await openRepoTraces({ cwd: repo.dir, env });
    const second = await openRepoTraces({ cwd: repo.dir, env });
    expect(first && second).toBeTruthy();
    expect(second?.store).toBe(first?.store);
    await first?.store.append(record('r1', 'first task', ['a.txt']));
    expect(second?.store.list().map((d) => d.id)).toEqual(['r1']);

    // another process (a second store object on the same files) appends: the shared one sees it
    const other = openTraceStore({ repoId: first?.id as string, cacheDir: `${home.dir}/cache/sedge` });
    await other.append(record('r2', 'second task', ['a.txt']));
    expect(first?.store.list().map((d) => d.id)).toEqual(['r1', 'r2']);

    const otherSecrets = await openRepoTraces({
      cwd: repo.dir,
      env: { ...env, OPENAI_API_KEY: 'sk-other-key-11111111111' },
    });
    expect(otherSecrets?.store).not.toBe(first?.store);
    expect(otherSecrets?.store.list().map((d) => d.id)).toEqual(['r1', 'r2']);
  });
});

describe('the index of a store that takes records in a row', () => {
  it('is written for the first record at once, later ones at most every 2 s, and on exit', async () => {
    home = makeTempHome();
    repo = makeTempRepo({ 'a.txt': 'a\n' });
    const dist = join(__dirname, '..', '..', 'dist', 'traces');
    const script = `
      const { openRepoTraces } = await import(${JSON.stringify(join(dist, 'session.js'))});
      const { openTraceStore } = await import(${JSON.stringify(join(dist, 'store.js'))});
      const fs = await import('node:fs');
      const { decodeIndex } = await import(${JSON.stringify(join(dist, 'store-index.js'))});
      const t = await openRepoTraces({ cwd: ${JSON.stringify(repo.dir)}, env: ${JSON.stringify(home.env)} });
      const usage = { input_tokens: 1, output_tokens: 1, cached_tokens: 0, reasoning_tokens: 0 };
      const run = (task) => [
        { seq: 0, ts: 1, type: 'run_start', version: 1, session_id: 's', task, cwd: '/r', model: 'm', tools: [], approval: 'auto' },
        { seq: 1, ts: 2, type: 'run_end', status: 'done', reason: 'ok', final_text: 'ok', steps: 1, usage, duration_ms: 1, verified: true },
      ];
      const indexed = () => {
        const fresh = openTraceStore({ repoId: t.id, cacheDir: ${JSON.stringify(join(home.dir, 'cache', 'sedge'))} });
        return decodeIndex(fs.readFileSync(fresh.dir + '/index.json', 'utf8')).docs.length;
      };
      await t.record(run('first'), { model: 'm', sedgeVersion: '0' });
      const afterFirst = indexed();
      await t.record(run('second'), { model: 'm', sedgeVersion: '0' });
      const afterSecond = indexed();
      console.log(JSON.stringify({ afterFirst, afterSecond, dir: t.store.dir }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { afterFirst: number; afterSecond: number; dir: string };
    expect(out).toMatchObject({ afterFirst: 1, afterSecond: 1 });
    // the process has exited: the index caught up
    expect(decodeIndex(readFileSync(join(out.dir, 'index.json'), 'utf8'))?.docs.length).toBe(2);
  });
});
