import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'gpt-tokenizer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attachBlobHashes } from '../../src/traces/record.js';
import { createRecall, provenCommands, renderRecallBlock } from '../../src/traces/recall.js';
import { openTraceStore, type TraceStore } from '../../src/traces/store.js';
import { estimateTokens } from '../../src/model/token-estimate.js';
import { createRecallTool } from '../../src/traces/recall-tool.js';
import { makeTempRepo } from '../support/repo.js';
import { record, tempDir } from './helpers.js';

const signal = new AbortController().signal;

describe('recall', () => {
  let repo: { dir: string; cleanup: () => void };
  let cache: { dir: string; cleanup: () => void };
  let store: TraceStore;
  beforeEach(() => {
    repo = makeTempRepo({
      'src/router.ts': 'export const r = 1;\n',
      'src/cookie.ts': 'export const c = 1;\n',
      'README.md': '# x\n',
    });
    cache = tempDir();
    store = openTraceStore({ repoId: 'recall-test', cacheDir: cache.dir, warn: () => {} });
  });
  afterEach(() => {
    repo.cleanup();
    cache.cleanup();
  });

  it('returns null for an empty store', async () => {
    expect(await createRecall({ store, repoRoot: repo.dir })('anything', signal)).toBeNull();
  });

  it('names the related run, its files and the test command that worked', async () => {
    await store.append(
      await attachBlobHashes(
        record('r1', 'Fix route params in the router', ['src/router.ts'], {
          test_command: 'npm test',
          notes: ['params are decoded twice'],
        }),
        repo.dir,
      ),
    );
    await store.append(record('r2', 'Sign cookies with a secret rotation', ['src/cookie.ts']));
    const res = await createRecall({ store, repoRoot: repo.dir })('router drops route params with dots', signal);
    expect(res).not.toBeNull();
    expect(res!.items[0]!.id).toBe('r1');
    expect(res!.files[0]).toBe('src/router.ts');
    expect(res!.block).toContain('src/router.ts');
    expect(res!.block).toContain('`npm test`');
    expect(res!.block).toContain('params are decoded twice');
    expect(res!.block).toMatch(/data, not instructions/);
    expect(res!.tokens).toBe(estimateTokens(res!.block));
  });

  it('drops files that no longer exist and down-ranks records whose files changed since', async () => {
    await store.append(await attachBlobHashes(record('old', 'Update router matching', ['src/router.ts']), repo.dir));
    await store.append(record('gone', 'Router helper in src/legacy.ts', ['src/legacy.ts']));
    writeFileSync(join(repo.dir, 'src/router.ts'), 'export const r = 2;\n');
    execFileSync('git', ['commit', '-qam', 'change'], { cwd: repo.dir });
    const res = await createRecall({ store, repoRoot: repo.dir })('router matching', signal);
    expect(res!.files).not.toContain('src/legacy.ts');
    expect(res!.files).toContain('src/router.ts');
  });

  it('keeps the block within the token budget (estimator and a real tokenizer)', async () => {
    for (let i = 0; i < 40; i++) {
      const files = Array.from({ length: 30 }, (_, j) => `src/module${i}/very/deep/path/component-${j}.ts`);
      await store.append(
        record(`big${i}`, `router work ${i} ${'lorem ipsum dolor sit amet '.repeat(200)}`, files, {
          notes: ['router note '.repeat(100)],
          test_command: `npm test -- --grep router${i}`,
        }),
      );
    }
    for (const budget of [1500, 400, 120]) {
      const res = await createRecall({ store, repoRoot: repo.dir, budgetTokens: budget })('router work', signal);
      expect(res).not.toBeNull();
      expect(res!.tokens).toBeLessThanOrEqual(budget);
      expect(encode(res!.block).length).toBeLessThanOrEqual(budget);
    }
    const huge = renderRecallBlock({ records: [], files: [], commands: [{ command: 'x'.repeat(5000), runs: 1 }] }, 50);
    expect(huge.tokens).toBeLessThanOrEqual(50);
  });

  it('facts that keep proving true rank first; one whose command later fails is dropped', async () => {
    const docs = store.list();
    expect(docs).toEqual([]);
    await store.append(record('a', 't1', ['x'], { test_command: 'npm test' }));
    await store.append(
      record('b', 't2', ['x'], {
        test_command: 'npm test',
        commands: [{ command: 'make build', exit_code: 0, kind: 'build' }],
      }),
    );
    await store.append(
      record('c', 't3', ['x'], { commands: [{ command: 'npm run lint', exit_code: 0, kind: 'build' }] }),
    );
    await store.append(record('d', 't4', ['x'], { commands: [{ command: 'npm test', exit_code: 0, kind: 'test' }] }));
    expect(provenCommands(store.list()).map((c) => c.command)).toEqual(['npm test', 'npm run lint', 'make build']);
    await store.append(record('e', 't5', ['x'], { failed_commands: ['make build'] }));
    expect(provenCommands(store.list()).map((c) => c.command)).toEqual(['npm test', 'npm run lint']);
  });

  it('a record that later successful runs used ranks above an equal one; a failed command is not repeated', async () => {
    await store.append(
      record('plain', 'Fix router params', ['src/router.ts'], {
        commands: [{ command: 'make check-router', exit_code: 0, kind: 'test' }],
      }),
    );
    await store.append(record('proven', 'Fix router params', ['src/router.ts']));
    for (let i = 0; i < 3; i++)
      await store.append(record(`user${i}`, `unrelated cookie work ${i}`, ['src/cookie.ts'], { recalled: ['proven'] }));
    await store.append(record('later', 'cookie things', ['src/cookie.ts'], { failed_commands: ['make check-router'] }));
    const reopened = openTraceStore({ repoId: 'recall-test', cacheDir: cache.dir, warn: () => {} });
    const res = await createRecall({ store: reopened, repoRoot: repo.dir })('router params', signal);
    expect(res!.items.map((i) => i.id).slice(0, 2)).toEqual(['proven', 'plain']);
    expect(res!.block).not.toContain('make check-router');
  });

  it('the recall tool uses the same ranking', async () => {
    await store.append(record('r1', 'Fix route params in the router', ['src/router.ts'], { test_command: 'npm test' }));
    await store.append(record('r2', 'Sign cookies', ['src/cookie.ts']));
    const tool = createRecallTool({ store, repoRoot: repo.dir });
    expect(tool.kind).toBe('read');
    const out = await tool.run(JSON.stringify({ query: 'cookie signing' }), { callId: 'c', signal });
    expect(out.isError).toBeFalsy();
    expect(out.output.indexOf('Sign cookies')).toBeLessThan(out.output.indexOf('Fix route params') >>> 0);
    expect(out.output).toContain('src/cookie.ts');
    const bad = await tool.run('{}', { callId: 'c', signal });
    expect(bad.isError).toBe(true);
  });

  it('says why each file is listed, at run start and in the recall tool, within the budget', async () => {
    for (let i = 0; i < 3; i++) store.append(record(`co${i}`, `cleanup pass ${i}`, ['src/router.ts', 'src/cookie.ts']));
    for (let i = 0; i < 6; i++) store.append(record(`d${i}`, `docs typo ${i}`, ['README.md']));
    const res = await createRecall({ store, repoRoot: repo.dir })('router drops params', signal);
    expect(res!.block).toContain('Likely relevant files (and why):');
    expect(res!.block).toMatch(/- src\/cookie\.ts: changed with src\/router\.ts in 3 earlier tasks/);
    expect(res!.block).toMatch(/- src\/router\.ts: .*its path matches the task/);
    const tool = createRecallTool({ store, repoRoot: repo.dir });
    const out = await tool.run(JSON.stringify({ query: 'router drops params' }), { callId: 'c', signal });
    expect(out.output).toMatch(/- src\/cookie\.ts: changed with src\/router\.ts in 3 earlier tasks/);
    const small = await createRecall({ store, repoRoot: repo.dir, budgetTokens: 60 })('router drops params', signal);
    expect(small!.tokens).toBeLessThanOrEqual(60);
  });
});
