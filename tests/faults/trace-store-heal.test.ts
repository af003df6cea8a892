import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTraceStore } from '../../src/traces/store.js';
import { record, tempDir } from '../traces/helpers.js';

let tmp: { dir: string; cleanup: () => void };
let warnings: string[];
const open = () =>
  openTraceStore({ repoId: 'heal-repo', cacheDir: join(tmp.dir, 'cache'), warn: (m) => warnings.push(m) });
const storeDir = () => join(tmp.dir, 'cache', 'repos', 'heal-repo');

beforeEach(() => {
  tmp = tempDir('sedge-heal-');
  warnings = [];
});
afterEach(() => tmp.cleanup());

describe('issue 13.8: the trace store heals itself', () => {
  it('refuses a symlinked store directory: nothing written through it, reads are empty, no throw', async () => {
    const outside = join(tmp.dir, 'outside');
    mkdirSync(outside);
    mkdirSync(join(tmp.dir, 'cache', 'repos'), { recursive: true });
    symlinkSync(outside, storeDir());
    const store = open();
    await expect(store.append(record('r1', 'task one', ['a.ts']))).rejects.toThrow(/symlink/);
    expect(store.list()).toEqual([]);
    expect(() => store.flush()).not.toThrow();
    expect(readdirSync(outside)).toEqual([]);
    expect(warnings.join('\n')).toContain('symlink');
  });

  it('a same-size in-place rewrite of the log is noticed: the index is rebuilt, records stay readable', async () => {
    const first = open();
    await first.append(record('r1', 'alpha task', ['a.ts']));
    await first.append(record('r2', 'alpha other', ['b.ts']));
    first.flush();
    const log = join(storeDir(), 'traces.jsonl');
    const before = statSync(log);
    // same size, same inode, different content (a rewrite in place, e.g. by an editor or a sync tool)
    const text = readFileSync(log, 'utf8');
    const rewritten = text.replaceAll('alpha other', 'omega other').replaceAll('"r2"', '"r9"');
    expect(rewritten.length).toBe(text.length);
    writeFileSync(log, rewritten);
    expect(statSync(log).ino).toBe(before.ino);
    const again = open();
    expect(again.list().map((d) => d.task)).toEqual(['alpha task', 'omega other']);
    expect(again.get('r9')?.task).toBe('omega other');
    expect(again.get('r2')).toBeNull();
  });

  it('a log that is a directory is quarantined as .corrupt with a warning; the store starts fresh', async () => {
    mkdirSync(join(storeDir(), 'traces.jsonl'), { recursive: true });
    const store = open();
    expect(store.list()).toEqual([]);
    expect(existsSync(join(storeDir(), 'traces.jsonl.corrupt'))).toBe(true);
    expect(warnings.join('\n')).toMatch(/not a regular file.*moved aside/);
    await store.append(record('r1', 'fresh start', ['a.ts']));
    expect(
      open()
        .list()
        .map((d) => d.task),
    ).toEqual(['fresh start']);
  });

  it('waiting for the store lock never blocks the event loop', async () => {
    const store = open();
    await store.append(record('r0', 'first', ['a.ts']));
    const lock = join(storeDir(), 'lock');
    // another live process holds the lock (our parent: alive, and the lock is fresh)
    writeFileSync(lock, `${process.ppid} ${Date.now()}\n`);
    let ticks = 0;
    const pending = store.append(record('r1', 'second', ['b.ts']));
    // the event loop keeps turning while append waits: timers fire, and one of them releases the lock
    await new Promise<void>((resolve) => {
      const tick = () => {
        ticks++;
        if (ticks === 5) {
          unlinkSync(lock);
          resolve();
        } else setTimeout(tick, 5);
      };
      setTimeout(tick, 5);
    });
    await pending;
    expect(ticks).toBe(5);
    expect(
      open()
        .list()
        .map((d) => d.task),
    ).toEqual(['first', 'second']);
  });
});
