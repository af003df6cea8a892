/** The trace index: one compact summary per record (terms, files, facts, byte range in the log). */
import { tokenize } from './tokens.js';
import type { TraceRecord } from './record.js';

export interface TraceDoc {
  id: string;
  /** byte range of the record's line in the log */
  off: number;
  len: number;
  ts: number;
  outcome: string;
  task: string;
  terms: string[];
  files: string[];
  /** commands that worked (test/build), the failed ones, and the ids this run recalled */
  cmds: string[];
  failed: string[];
  recalled: string[];
}

const MAX_TERMS = 48;
const TASK_CHARS = 120;

export function docOf(r: TraceRecord, off: number, len: number): TraceDoc {
  const text = `${r.task.slice(0, 2000)}\n${r.notes.join('\n').slice(0, 1000)}`;
  const changed = r.files_changed.map((f) => f.path);
  return {
    id: r.id,
    off,
    len,
    ts: r.ended_at || r.started_at,
    outcome: r.outcome,
    task: r.task.split('\n')[0]!.slice(0, TASK_CHARS),
    terms: [...new Set(tokenize(text))].slice(0, MAX_TERMS),
    files: (changed.length ? changed : r.files_read.map((f) => f.path).slice(0, 10)).slice(0, 40),
    cmds: [
      ...new Set([
        ...(r.test_command ? [r.test_command] : []),
        ...r.commands.filter((c) => c.kind !== 'other').map((c) => c.command),
      ]),
    ].slice(0, 6),
    failed: r.failed_commands.slice(0, 6),
    recalled: r.recalled.slice(0, 10),
  };
}

type Row = [string, number, number, number, string, string, string, number[], string[]?, string[]?, string[]?];

export interface IndexFile {
  v: number;
  ino: number;
  size: number;
  /** the log's mtime when the index was written, and a checksum of its first `size` bytes (head and tail) */
  mtime: number;
  sum: string;
  docs: TraceDoc[];
}

/** What the index says about the log it summarises. */
export interface LogMark {
  ino: number;
  size: number;
  mtime: number;
  sum: string;
}

export const INDEX_VERSION = 2;

/** Serialise with a shared path table (paths repeat across records). */
export function encodeIndex(mark: LogMark, docs: TraceDoc[]): string {
  const paths: string[] = [];
  const pid = new Map<string, number>();
  const id = (p: string): number => {
    let n = pid.get(p);
    if (n === undefined) {
      n = paths.length;
      paths.push(p);
      pid.set(p, n);
    }
    return n;
  };
  const rows: Row[] = docs.map((d) => {
    const row: Row = [d.id, d.off, d.len, d.ts, d.outcome, d.task, d.terms.join(' '), d.files.map(id)];
    if (d.cmds.length || d.failed.length || d.recalled.length) row.push(d.cmds, d.failed, d.recalled);
    return row;
  });
  return JSON.stringify({ v: INDEX_VERSION, ...mark, paths, rows });
}

export function decodeIndex(text: string): IndexFile | null {
  try {
    const raw = JSON.parse(text) as LogMark & { v: number; paths: string[]; rows: Row[] };
    if (raw.v !== INDEX_VERSION || !Array.isArray(raw.rows)) return null;
    const docs = raw.rows.map(
      (r): TraceDoc => ({
        id: r[0],
        off: r[1],
        len: r[2],
        ts: r[3],
        outcome: r[4],
        task: r[5],
        terms: r[6] ? r[6].split(' ') : [],
        files: r[7].map((n) => raw.paths[n]!),
        cmds: r[8] ?? [],
        failed: r[9] ?? [],
        recalled: r[10] ?? [],
      }),
    );
    return { v: raw.v, ino: raw.ino, size: raw.size, mtime: raw.mtime, sum: raw.sum, docs };
  } catch {
    return null;
  }
}

/** How much a record is worth keeping: outcome, later runs that used it, proven commands, recency. */
function usefulness(d: TraceDoc, used: ReadonlyMap<string, number>, rank: number, n: number): number {
  const outcome = d.outcome === 'done' ? 1 : d.outcome === 'tests_failed' ? 0.5 : 0.2;
  return outcome + 1.5 * (used.get(d.id) ?? 0) + (d.cmds.length ? 0.5 : 0) + rank / Math.max(1, n);
}

/** The ids to keep: all when within the caps, else the most useful down to 90% of the caps. */
export function selectWithinCap(
  docs: TraceDoc[],
  used: ReadonlyMap<string, number>,
  maxRecords: number,
  maxBytes: number,
  /** fraction of the caps to fill: below 1 leaves headroom so automatic pruning does not run on every append */
  fill = 0.9,
): Set<string> {
  const bytes = docs.reduce((n, d) => n + d.len + 1, 0);
  if (docs.length <= maxRecords && bytes <= maxBytes) return new Set(docs.map((d) => d.id));
  const ranked = docs.map((d, i) => ({ d, v: usefulness(d, used, i, docs.length) })).sort((a, b) => b.v - a.v);
  const keep = new Set<string>();
  let total = 0;
  for (const { d } of ranked) {
    if (keep.size >= Math.floor(maxRecords * fill) || total + d.len + 1 > maxBytes * fill) continue;
    keep.add(d.id);
    total += d.len + 1;
  }
  return keep;
}
