import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newSessionId, openSessionLog, readSessionLog } from '../../src/agent/session-log.js';
import type { AgentEvent } from '../../src/agent/events.js';

describe('session log', () => {
  it('appends events with private permissions and skips a torn last line', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sedge-sess-')), 'sessions');
    try {
      const id = newSessionId();
      expect(id).toMatch(/^\d{8}-\d{6}-[0-9a-f]{6}$/);
      const log = openSessionLog(dir, id);
      const e = (seq: number): AgentEvent => ({ type: 'step_start', step: seq, seq, ts: 0 });
      log.append(e(0));
      log.append(e(1));
      log.close();
      appendFileSync(log.path, '{"type":"tool_st'); // a crash mid-write
      const { events, skipped } = readSessionLog(log.path);
      expect(events.map((x) => x.seq)).toEqual([0, 1]);
      expect(skipped).toBe(1);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(log.path).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });
});
