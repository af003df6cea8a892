import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSessionLog, readSessionLog } from '../../src/agent/session-log.js';
import type { AgentEvent } from '../../src/agent/events.js';
import { openTraceStore } from '../../src/traces/store.js';
import { record } from '../traces/helpers.js';

/** A 64 KB tmpfs: a real full disk. Needs root (mount); skipped with the reason otherwise. */
let mnt = '';
let reason = '';
beforeAll(() => {
  mnt = mkdtempSync(join(tmpdir(), 'sedge-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (err) {
    reason = `cannot mount a small tmpfs here (${(err as Error).message.split('\n')[0]})`;
  }
});
afterAll(() => {
  if (!reason) execFileSync('umount', [mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

const endsClean = (text: string) => text === '' || text.endsWith('\n');

describe('issue 13.7: a full disk', () => {
  it('the session file ends at the last complete line, with a warning', async (ctx) => {
    if (reason) ctx.skip(reason);
    const warnings: string[] = [];
    const log = openSessionLog(join(mnt, 'sessions'), 'full-1', (m) => warnings.push(m));
    for (let i = 0; i < 100 && !log.failure; i++) {
      log.append({ type: 'assistant_delta', seq: i, ts: i, text: `${i} ${'z'.repeat(3000)}` } as AgentEvent);
    }
    log.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('ENOSPC');
    const text = readFileSync(log.path, 'utf8');
    expect(endsClean(text)).toBe(true);
    const { events, skipped } = readSessionLog(log.path);
    expect(skipped).toBe(0);
    expect(events.length).toBeGreaterThan(5);
    rmSync(join(mnt, 'sessions'), { recursive: true, force: true });
  });

  it('trace appends are whole lines or nothing', async (ctx) => {
    if (reason) ctx.skip(reason);
    const cacheDir = join(mnt, 'cache');
    mkdirSync(cacheDir);
    const store = openTraceStore({ repoId: 'full-repo', cacheDir });
    let failed = 0;
    for (let i = 0; i < 60; i++) {
      try {
        await store.append(record(`r${i}`, `task ${i} ${'q'.repeat(2500)}`, ['a.ts']));
      } catch {
        failed++;
      }
    }
    expect(failed).toBeGreaterThan(0);
    const text = readFileSync(join(cacheDir, 'repos', 'full-repo', 'traces.jsonl'), 'utf8');
    expect(endsClean(text)).toBe(true);
    for (const line of text.split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
  });
});
