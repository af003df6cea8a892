import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTraceStore } from '../../src/traces/store.js';
import { withLock } from '../../src/traces/store-fs.js';
import { record, tempDir } from './helpers.js';

const noRedact = (s: string): string => s;

describe('trace store', () => {
  let t: { dir: string; cleanup: () => void };
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(() => t.cleanup());

  const open = (extra: Partial<Parameters<typeof openTraceStore>[0]> = {}) =>
    openTraceStore({ repoId: 'repo-1', cacheDir: t.dir, redact: noRedact, warn: () => {}, ...extra });

  it('appends, lists, gets, searches and forgets', async () => {
    const s = open();
    await s.append(record('a1', 'Fix the router params parsing', ['lib/router.js']));
    await s.append(record('a2', 'Add cookie signing', ['lib/cookie.js']));
    expect(s.list().map((d) => d.id)).toEqual(['a1', 'a2']);
    expect(s.get('a2')!.task).toBe('Add cookie signing');
    const r = s.search({ text: 'router params bug' });
    expect(r.traces[0]!.doc.id).toBe('a1');
    expect(r.files[0]!.path).toBe('lib/router.js');
    expect(await s.forget('a1')).toBe(true);
    expect(s.list().map((d) => d.id)).toEqual(['a2']);
    expect(readFileSync(join(s.dir, 'traces.jsonl'), 'utf8')).not.toContain('router');
    expect(
      open()
        .list()
        .map((d) => d.id),
    ).toEqual(['a2']);
  });

  it('skips a torn last line with a warning, and the next append starts a fresh line', async () => {
    const warnings: string[] = [];
    const s = open({ warn: (m) => warnings.push(m) });
    await s.append(record('ok1', 'first task', ['a.ts']));
    appendFileSync(join(s.dir, 'traces.jsonl'), '{"schema":1,"id":"torn","task":"half a rec');
    const s2 = open({ warn: (m) => warnings.push(m) });
    expect(s2.list().map((d) => d.id)).toEqual(['ok1']);
    expect(warnings.some((w) => /torn last line/.test(w))).toBe(true);
    await s2.append(record('ok2', 'second task', ['b.ts']));
    const s3 = open({ warn: (m) => warnings.push(m) });
    expect(s3.list().map((d) => d.id)).toEqual(['ok1', 'ok2']);
    expect(s3.get('ok2')!.task).toBe('second task');
    expect(warnings.some((w) => /damaged line/.test(w))).toBe(true);
  });

  it('rebuilds a missing or stale index from the log', async () => {
    const s = open();
    for (let i = 0; i < 5; i++) await s.append(record(`r${i}`, `task number ${i} about widgets`, [`src/w${i}.ts`]));
    s.flush();
    const idx = join(s.dir, 'index.json');
    expect(existsSync(idx)).toBe(true);
    await s.append(record('late', 'late widgets task', ['src/late.ts'])); // index is now behind the log
    expect(
      open()
        .list()
        .map((d) => d.id),
    ).toContain('late');
    rmSync(idx);
    expect(open().list()).toHaveLength(6);
    writeFileSync(idx, '{not json');
    expect(open().search({ text: 'late widgets' }).traces[0]!.doc.id).toBe('late');
  });

  it('evicts the least useful records over the cap', async () => {
    const s = open({ maxRecords: 10 });
    await s.append(record('keep-me', 'useful task', ['src/core.ts'], { test_command: 'npm test' }));
    for (let i = 0; i < 5; i++) await s.append(record(`f${i}`, `failed attempt ${i}`, ['x.ts'], { outcome: 'failed' }));
    for (let i = 0; i < 6; i++) await s.append(record(`d${i}`, `later task ${i}`, ['y.ts'], { recalled: ['keep-me'] }));
    const ids = s.list().map((d) => d.id);
    expect(ids.length).toBeLessThanOrEqual(10);
    expect(ids).toContain('keep-me');
    expect(ids.filter((id) => id.startsWith('f')).length).toBeLessThan(5);
    expect(s.usedCount('keep-me')).toBeGreaterThan(0);
    expect(await s.prune({ maxRecords: 3 })).toBeGreaterThan(0);
    expect(s.list().length).toBeLessThanOrEqual(3);
  });

  it('breaks a stale lock left by a dead process', async () => {
    const s = open();
    await s.append(record('a', 'x', ['a.ts']));
    writeFileSync(join(s.dir, 'lock'), '999999999 1\n');
    await s.append(record('b', 'y', ['b.ts']));
    expect(open().list()).toHaveLength(2);
    expect(existsSync(join(s.dir, 'lock'))).toBe(false);
    expect(await withLock(join(s.dir, 'lock'), () => 42)).toBe(42);
  });

  it('rejects path-like repo ids', async () => {
    expect(() => openTraceStore({ repoId: '../etc', cacheDir: t.dir })).toThrow(/bad repo id/);
  });
});
