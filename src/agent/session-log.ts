import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { appendWhole } from '../fs/append-whole.js';
import type { AgentEvent } from './events.js';

/** A sortable, unique session id: 20261124-123456-1a2b3c. */
export function newSessionId(date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${date.getUTCFullYear()}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}-${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}`;
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export interface SessionLog {
  readonly id: string;
  readonly path: string;
  /** set when a write failed (disk full, removed dir): logging stopped, the run goes on */
  readonly failure: string | null;
  append(event: AgentEvent): void;
  close(): void;
}

/**
 * The session file: one AgentEvent a line, appended as it happens (each line is in the file, and survives a
 * kill of sedge, once append returns) and fsynced at every step boundary and at run end, unless
 * `syncEachStep` is false (a batch, whose own events.jsonl and result.json are its durable record): then
 * only when it is closed. Directory 0700, file 0600.
 */
export function openSessionLog(
  dir: string,
  id: string,
  onFailure?: (message: string) => void,
  opts: { syncEachStep?: boolean } = {},
): SessionLog {
  const syncEachStep = opts.syncEachStep !== false;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${id}.jsonl`);
  const fd = openSync(path, 'a', 0o600);
  let open = true;
  let failure: string | null = null;
  return {
    id,
    path,
    get failure() {
      return failure;
    },
    append(event) {
      if (!open || failure) return;
      try {
        // whole lines or nothing: a full disk leaves the file ending at the last complete event
        appendWhole(fd, `${JSON.stringify(event)}\n`);
        if (syncEachStep && (event.type === 'step_start' || event.type === 'run_end' || event.type === 'tool_end'))
          fsyncSync(fd);
      } catch (err) {
        // A full disk must not kill the run: stop logging, say so once.
        failure = `session file ${path} could not be written (${(err as NodeJS.ErrnoException).code ?? String(err)}); the session is no longer saved`;
        onFailure?.(failure);
      }
    },
    close() {
      if (!open) return;
      open = false;
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
  };
}

/**
 * Append one event to an existing session file that another composition (or process) wrote: a later fact
 * about one of its runs. A missing file is left missing; a failure is reported, never thrown.
 */
export function appendToSession(dir: string, id: string, event: AgentEvent, onFailure?: (m: string) => void): void {
  const path = join(dir, `${id}.jsonl`);
  if (!existsSync(path)) return;
  try {
    const fd = openSync(path, 'a', 0o600);
    try {
      appendWhole(fd, `${JSON.stringify(event)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    onFailure?.(`could not add to session file ${path}: ${(err as Error).message}`);
  }
}

/** Read a session file. A torn last line (a crash mid-write) is skipped; `skipped` says how many lines were. */
export function readSessionLog(path: string): { events: AgentEvent[]; skipped: number } {
  const lines = readFileSync(path, 'utf8').split('\n');
  const events: AgentEvent[] = [];
  let skipped = 0;
  for (const line of lines) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as AgentEvent);
    } catch {
      skipped++;
    }
  }
  return { events, skipped };
}

/** Pass events through unchanged while handing each to the sinks (session file, trace recorder). */
export async function* tee<R>(
  gen: AsyncGenerator<AgentEvent, R>,
  sinks: ((e: AgentEvent) => void)[],
): AsyncGenerator<AgentEvent, R> {
  while (true) {
    const next = await gen.next();
    if (next.done) return next.value;
    for (const sink of sinks) sink(next.value);
    yield next.value;
  }
}
