/**
 * The commit-replay driver (see the commit-replay README): each commit becomes a task; from line 50
 * on, the memory (a temporary trace store, the same store and ranking as real runs) is queried
 * before the commit is added. One JSON line per task: {"i","traces":[sha…10],"files":[path…10],"ms"}.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRACE_SCHEMA, type TraceRecord } from './record.js';
import { rankTask } from './recall.js';
import { openTraceStore } from './store.js';

export interface ReplayLine {
  i: number;
  sha: string;
  date?: string;
  subject: string;
  body?: string;
  files: string[];
}

/** `fix(router): x` -> `fix: x`, then a newline and the body. */
export function replayQuery(line: ReplayLine): string {
  const subject = line.subject.replace(/^(\w+)\([^)]*\)(!?):/, '$1$2:');
  return `${subject}\n${line.body ?? ''}`;
}

export function replayRecord(line: ReplayLine, task: string): TraceRecord {
  const at = line.date ? Date.parse(line.date) || 0 : 0;
  return {
    schema: TRACE_SCHEMA,
    id: line.sha,
    task,
    outcome: 'done',
    verified: null,
    started_at: at,
    ended_at: at,
    model: 'replay',
    sedge_version: 'replay',
    notes: [],
    reasoning: '',
    commands: [],
    failed_commands: [],
    test_command: null,
    files_read: [],
    files_changed: line.files.map((path) => ({ path })),
    diffstat: [],
    steps: 0,
    tokens: { input: 0, output: 0, total: 0 },
    recalled: [],
    summary: '',
  };
}

export interface ReplayOptions {
  /** first line that is a task (earlier lines only fill the memory) */
  warmup?: number;
  write: (line: string) => void;
  warn?: (message: string) => void;
}

export function parseReplayFile(path: string): ReplayLine[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as ReplayLine);
}

export async function runReplay(lines: ReplayLine[], opts: ReplayOptions): Promise<{ tasks: number; ms: number[] }> {
  const warmup = opts.warmup ?? 50;
  const tmp = mkdtempSync(join(tmpdir(), 'sedge-replay-'));
  const ms: number[] = [];
  try {
    // no redaction: commit messages are public, and hashes must survive as ids
    const store = openTraceStore({
      repoId: 'replay',
      cacheDir: tmp,
      redact: (s) => s,
      warn: opts.warn,
      maxRecords: 1e9,
    });
    for (const line of lines) {
      const task = replayQuery(line);
      if (line.i >= warmup) {
        const t0 = performance.now();
        const r = rankTask(store, task, undefined, { limit: 10, fileLimit: 10 });
        const t = performance.now() - t0;
        ms.push(t);
        opts.write(
          `${JSON.stringify({ i: line.i, traces: r.traces.map((h) => h.doc.id), files: r.files, ms: Math.round(t * 1000) / 1000 })}\n`,
        );
      }
      await store.append(replayRecord(line, task));
    }
    store.flush();
    return { tasks: ms.length, ms };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
