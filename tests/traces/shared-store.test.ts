import { afterEach, describe, expect, it } from 'vitest';
import { openRepoTraces } from '../../src/traces/session.js';
import { openTraceStore } from '../../src/traces/store.js';
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
