import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { TaskResult } from './types.js';

/**
 * The batch's files under --out. A task is finished when DIR/<id>/result.json exists: it is written last,
 * atomically, after events.jsonl and patch.diff. summary.jsonl is appended after it, one line a task; a kill
 * between the two is repaired on --resume from the result files.
 */
export const taskDir = (out: string, id: string) => join(out, id);
export const summaryPath = (out: string) => join(out, 'summary.jsonl');
export const workRoot = (out: string) => join(out, '.work');

/** A line of summary.jsonl: a finished task, or the note that a budget stopped the batch. */
export type SummaryLine = ({ type: 'task' } & TaskResult) | { type: 'stop'; reason: string; not_started: string[] };

export async function ensureOutDir(out: string): Promise<void> {
  await mkdir(out, { recursive: true, mode: 0o700 });
}

/** Does DIR already hold a batch (so a run without --resume would mix two)? */
export function holdsBatch(out: string): boolean {
  return existsSync(summaryPath(out));
}

/** Ids of the tasks that finished in an earlier run (their result.json parses). */
export async function finishedResults(out: string, ids: string[]): Promise<Map<string, TaskResult>> {
  const done = new Map<string, TaskResult>();
  for (const id of ids) {
    try {
      done.set(id, JSON.parse(await readFile(join(taskDir(out, id), 'result.json'), 'utf8')) as TaskResult);
    } catch {
      // not finished (or never started): it runs again
    }
  }
  return done;
}

/** Read summary.jsonl, skipping a line cut short by a kill. */
export function readSummary(out: string): SummaryLine[] {
  let text: string;
  try {
    text = readFileSync(summaryPath(out), 'utf8');
  } catch {
    return [];
  }
  const lines: SummaryLine[] = [];
  for (const l of text.split('\n')) {
    if (!l.trim()) continue;
    try {
      lines.push(JSON.parse(l) as SummaryLine);
    } catch {
      // a partial last line from a killed driver
    }
  }
  return lines;
}

/**
 * On --resume: rewrite summary.jsonl from what survived (whole lines, each task once, earlier stop notes
 * dropped since this run decides again) plus the finished tasks it is missing.
 */
export async function repairSummary(out: string, finished: Map<string, TaskResult>): Promise<void> {
  const seen = new Set<string>();
  const keep: SummaryLine[] = [];
  for (const line of readSummary(out)) {
    if (line.type !== 'task' || seen.has(line.id) || !finished.has(line.id)) continue;
    seen.add(line.id);
    keep.push(line);
  }
  for (const [id, r] of finished) if (!seen.has(id)) keep.push({ type: 'task', ...r });
  await writeFileAtomic(summaryPath(out), keep.map((l) => `${JSON.stringify(l)}\n`).join(''));
}

/** Append one line and flush it to disk before returning. */
export async function appendSummary(out: string, line: SummaryLine): Promise<void> {
  const handle = await open(summaryPath(out), 'a', 0o600);
  try {
    await handle.write(`${JSON.stringify(line)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Events stream into events.jsonl.partial; `commit` renames it into place. */
export async function openEventLog(dir: string) {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const partial = join(dir, 'events.jsonl.partial');
  const handle = await open(partial, 'w', 0o600);
  let pending = Promise.resolve();
  return {
    write(line: string) {
      pending = pending.then(() => handle.write(line).then(() => undefined));
    },
    async commit() {
      await pending;
      await handle.sync();
      await handle.close();
      await rename(partial, join(dir, 'events.jsonl'));
    },
    async discard() {
      await pending.catch(() => undefined);
      await handle.close().catch(() => undefined);
    },
  };
}

export async function writeTaskFiles(dir: string, patch: string, result: TaskResult): Promise<void> {
  await writeFileAtomic(join(dir, 'patch.diff'), patch);
  await writeFileAtomic(join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
}

/** Remove what a killed run left of an unfinished task (its partial files), before it runs again. */
export async function clearTaskDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Remove the work root when no task checkout is left in it. */
export async function removeIfEmpty(dir: string): Promise<void> {
  const left = await readdir(dir).catch(() => null);
  if (left && left.length === 0) await rm(dir, { recursive: true, force: true });
}
