import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentEvent } from '../../src/agent/events.js';
import { TRACE_SCHEMA, type TraceRecord } from '../../src/traces/record.js';

export function tempDir(prefix = 'sedge-traces-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function record(id: string, task: string, files: string[], extra: Partial<TraceRecord> = {}): TraceRecord {
  return {
    schema: TRACE_SCHEMA,
    id,
    task,
    outcome: 'done',
    verified: true,
    started_at: 1_700_000_000_000,
    ended_at: 1_700_000_060_000,
    model: 'test-model',
    sedge_version: '0.0.0',
    notes: [],
    reasoning: '',
    commands: [],
    failed_commands: [],
    test_command: null,
    files_read: [],
    files_changed: files.map((path) => ({ path })),
    diffstat: [],
    steps: 3,
    tokens: { input: 100, output: 20, total: 120 },
    recalled: [],
    summary: '',
    ...extra,
  };
}

/** Stamp a list of event inits with seq/ts. */
export function events(list: Record<string, unknown>[]): AgentEvent[] {
  return list.map((e, i) => ({ seq: i, ts: 1_700_000_000_000 + i * 1000, ...e }) as AgentEvent);
}
