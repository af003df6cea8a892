import { spawn } from 'node:child_process';
import { existsSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTraceStore } from '../../src/traces/store.js';
import { tempDir } from './helpers.js';

/** Bundle a writer script around the real store (TypeScript sources) so child processes can run it. */
async function bundleWriter(dir: string): Promise<string> {
  const { build } = await import('rolldown');
  const entry = join(dir, 'writer-entry.ts');
  const store = resolve('src/traces/store.ts');
  writeFileSync(
    entry,
    `import { openTraceStore } from ${JSON.stringify(store)};
const [cacheDir, name, count, pad] = process.argv.slice(2);
const store = openTraceStore({ repoId: 'shared', cacheDir, redact: (s) => s, warn: (m) => process.stderr.write(m) });
for (let i = 0; i < Number(count); i++) {
  await store.append({ schema: 1, id: name + '-' + i, task: name + ' task ' + i + ' ' + 'x'.repeat(Number(pad)), outcome: 'done', verified: null,
    started_at: 0, ended_at: 0, model: 'm', sedge_version: '0', notes: [], reasoning: '', commands: [], failed_commands: [],
    test_command: null, files_read: [], files_changed: [{ path: name + '/f' + (i % 7) + '.ts' }], diffstat: [], steps: 1,
    tokens: { input: 0, output: 0, total: 0 }, recalled: [], summary: '' });
}
`,
  );
  const out = join(dir, 'writer.mjs');
  await build({
    input: entry,
    platform: 'node',
    logLevel: 'silent',
    resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
    external: [/^node:/],
    output: { file: out, format: 'esm' },
  });
  return out;
}

function run(script: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: resolve('.'),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe('concurrent writers', () => {
  const t = tempDir();
  let script = '';
  beforeAll(async () => {
    script = await bundleWriter(t.dir);
  }, 60_000);
  afterAll(() => t.cleanup());

  it('two processes appending at once lose and tear nothing (records larger than PIPE_BUF)', async () => {
    const cache = join(t.dir, 'cache');
    const [a, b] = await Promise.all([
      run(script, [cache, 'alpha', '60', '6000']),
      run(script, [cache, 'beta', '60', '10']),
    ]);
    expect(a).toEqual({ code: 0, stderr: '' });
    expect(b).toEqual({ code: 0, stderr: '' });
    const warnings: string[] = [];
    const store = openTraceStore({ repoId: 'shared', cacheDir: cache, warn: (m) => warnings.push(m) });
    const ids = store.list().map((d) => d.id);
    expect(warnings).toEqual([]);
    expect(ids).toHaveLength(120);
    expect(new Set(ids).size).toBe(120);
    expect(store.get('alpha-59')!.task.length).toBeGreaterThan(6000);
    expect(store.search({ text: 'beta task' }).traces.length).toBeGreaterThan(0);
  }, 60_000);

  it('survives kill -9 of a writer: complete records stay readable and the next append works', async () => {
    const cache = join(t.dir, 'cache-kill');
    const child = spawn(process.execPath, [script, cache, 'victim', '100000', '3000'], { stdio: 'ignore' });
    const log = join(cache, 'repos', 'shared', 'traces.jsonl');
    // wait (on file events, no timers) until the writer has appended a few dozen records, then kill it
    await new Promise<void>((done) => {
      const check = (): boolean => existsSync(log) && readFileSync(log, 'utf8').split('\n').length > 40;
      const dirWatch = watch(t.dir, { recursive: true }, () => {
        if (check()) {
          dirWatch.close();
          done();
        }
      });
    });
    child.kill('SIGKILL');
    await new Promise((done) => child.on('close', done));
    const store = openTraceStore({ repoId: 'shared', cacheDir: cache, redact: (s) => s, warn: () => {} });
    const before = store.list();
    expect(before.length).toBeGreaterThanOrEqual(40);
    for (const d of before.slice(-3)) expect(store.get(d.id)!.task.startsWith('victim task')).toBe(true);
    await store.append({ ...store.get(before[0]!.id)!, id: 'after-kill' });
    const again = openTraceStore({ repoId: 'shared', cacheDir: cache, redact: (s) => s, warn: () => {} });
    expect(again.list().map((d) => d.id)).toContain('after-kill');
    expect(again.get('after-kill')!.task.startsWith('victim task')).toBe(true);
  }, 60_000);
});
