/**
 * `sedge traces list|show ID|forget ID|prune|export [--json]` for the current repo's trace store, and
 * `sedge traces replay FILE.jsonl` (the commit-replay benchmark driver; needs no repo).
 * Exit 0 on success, 1 when the record is not found, 2 on bad usage or outside a git repo.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentEvent } from '../agent/events.js';
import { loadSessionEvents } from '../agent/session-files.js';
import { cacheDir, stateDir } from '../config/paths.js';
import { readPrompt } from '../config/prompts.js';
import { isAccepted, runEvents, toChatExample } from '../traces/chat-export.js';
import { createRedactor } from '../traces/redact.js';
import { repoIdentity } from '../repo/identity.js';
import { parseReplayFile, runReplay } from '../traces/replay.js';
import { openTraceStore, type TraceStore } from '../traces/store.js';

export interface TracesCommandIo {
  cwd: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env?: Record<string, string | undefined>;
}

const USAGE = `usage: sedge traces list [--json]
       sedge traces show ID [--json]
       sedge traces forget ID
       sedge traces prune [--max N] [--older-than DAYS] [--json]
       sedge traces export [--format records|chat-jsonl] [--since DATE] [--only-accepted]   (JSON lines)
       sedge traces replay FILE.jsonl [--warmup N]`;

interface Parsed {
  sub: string;
  pos: string[];
  json: boolean;
  onlyAccepted: boolean;
  opts: Map<string, string>;
}

function parse(argv: string[]): Parsed | string {
  const list = argv[0] === 'traces' ? argv.slice(1) : argv;
  const out: Parsed = { sub: list[0] ?? 'list', pos: [], json: false, onlyAccepted: false, opts: new Map() };
  for (let i = 1; i < list.length; i++) {
    const a = list[i]!;
    if (a === '--json') out.json = true;
    else if (a === '--only-accepted') out.onlyAccepted = true;
    else if (a === '--format' || a === '--since') {
      const v = list[++i];
      if (!v) return `${a} needs a value`;
      if (a === '--format' && v !== 'records' && v !== 'chat-jsonl') return `--format needs records or chat-jsonl`;
      if (a === '--since' && Number.isNaN(Date.parse(v))) return `--since needs a date like 2026-01-31, got "${v}"`;
      out.opts.set(a, v);
    } else if (a === '--max' || a === '--older-than' || a === '--warmup') {
      const v = list[++i];
      if (!v || !/^\d+(\.\d+)?$/.test(v)) return `${a} needs a number`;
      out.opts.set(a, v);
    } else if (a.startsWith('-')) return `unknown option: ${a}`;
    else out.pos.push(a);
  }
  return out;
}

function date(ts: number): string {
  return ts ? new Date(ts).toISOString().replace('T', ' ').slice(0, 16) : '-';
}

export async function runTracesCommand(argv: string[], io: TracesCommandIo): Promise<number> {
  const p = parse(argv);
  if (typeof p === 'string') {
    io.stderr.write(`sedge traces: ${p}\n${USAGE}\n`);
    return 2;
  }
  if (p.sub === 'replay') {
    const file = p.pos[0];
    if (!file) {
      io.stderr.write(`sedge traces replay: a FILE.jsonl is required\n${USAGE}\n`);
      return 2;
    }
    const lines = parseReplayFile(file);
    await runReplay(lines, {
      warmup: Number(p.opts.get('--warmup') ?? 50),
      write: (l) => io.stdout.write(l),
      warn: (m) => io.stderr.write(`sedge: ${m}\n`),
    });
    return 0;
  }
  if (!['list', 'show', 'forget', 'prune', 'export'].includes(p.sub)) {
    io.stderr.write(`sedge traces: unknown command ${p.sub}\n${USAGE}\n`);
    return 2;
  }
  const ident = await repoIdentity(io.cwd);
  if (!ident) {
    io.stderr.write('sedge traces: not inside a git repository (traces are kept per repository)\n');
    return 2;
  }
  const store = openTraceStore({
    repoId: ident.id,
    cacheDir: cacheDir(io.env ?? process.env),
    warn: (m) => io.stderr.write(`sedge: ${m}\n`),
  });
  if (p.sub === 'export') return exportTraces(store, p, io);
  return runOnStore(store, p, io);
}

/** `export`: every record (default), or chat-format trajectories with rewards; --since and --only-accepted filter. */
function exportTraces(store: TraceStore, p: Parsed, io: TracesCommandIo): number {
  const env = io.env ?? process.env;
  const since = p.opts.has('--since') ? Date.parse(p.opts.get('--since') as string) : 0;
  const chat = p.opts.get('--format') === 'chat-jsonl';
  const redact = createRedactor({ env });
  const system = chat ? readPrompt('system.md') : '';
  const sessions = new Map<string, AgentEvent[]>();
  let written = 0;
  for (const d of store.list()) {
    const rec = store.get(d.id);
    if (!rec || (rec.ended_at || rec.started_at) < since || (p.onlyAccepted && !isAccepted(rec))) continue;
    if (!chat) {
      io.stdout.write(`${JSON.stringify(rec)}\n`);
      written++;
      continue;
    }
    if (!rec.session_id) continue;
    let events = sessions.get(rec.session_id);
    if (!events) {
      const path = join(stateDir(env), 'sessions', `${rec.session_id}.jsonl`);
      events = existsSync(path) ? loadSessionEvents(path) : [];
      sessions.set(rec.session_id, events);
    }
    const example = toChatExample(rec, runEvents(events, rec.started_at), redact, system);
    if (example) {
      io.stdout.write(`${JSON.stringify(example)}\n`);
      written++;
    }
  }
  io.stderr.write(`sedge traces: exported ${written} of ${store.list().length} trace(s)\n`);
  return 0;
}

function runOnStore(store: TraceStore, p: Parsed, io: TracesCommandIo): number {
  const out = (s: string): void => void io.stdout.write(s);
  switch (p.sub) {
    case 'list': {
      const docs = store.list();
      if (p.json) {
        for (const d of docs)
          out(
            `${JSON.stringify({ id: d.id, ended_at: d.ts, outcome: d.outcome, task: d.task, files: d.files, used: store.usedCount(d.id) })}\n`,
          );
      } else if (!docs.length) out(`no traces for this repository (${store.dir})\n`);
      else
        for (const d of docs)
          out(`${d.id}  ${date(d.ts)}  ${d.outcome.padEnd(12)} ${d.task}  (${d.files.length} files)\n`);
      return 0;
    }
    case 'show': {
      const id = p.pos[0];
      const rec = id ? store.get(id) : null;
      if (!rec) {
        io.stderr.write(`sedge traces: no trace ${id ?? '(missing ID)'}\n`);
        return id ? 1 : 2;
      }
      if (p.json) out(`${JSON.stringify(rec)}\n`);
      else {
        out(
          `${rec.id}  ${rec.outcome}  ${date(rec.ended_at)}  model ${rec.model}, ${rec.steps} steps, ${rec.tokens.total} tokens\n\n${rec.task}\n`,
        );
        if (rec.files_changed.length) out(`\nchanged: ${rec.files_changed.map((f) => f.path).join(', ')}\n`);
        if (rec.files_read.length) out(`read: ${rec.files_read.map((f) => f.path).join(', ')}\n`);
        if (rec.test_command) out(`tests: ${rec.test_command}\n`);
        for (const c of rec.commands) out(`worked: ${c.command}\n`);
        for (const n of rec.notes) out(`note: ${n}\n`);
        if (rec.summary) out(`\n${rec.summary}\n`);
      }
      return 0;
    }
    case 'forget': {
      const id = p.pos[0];
      if (!id) {
        io.stderr.write('sedge traces forget: an ID is required\n');
        return 2;
      }
      const ok = store.forget(id);
      if (!ok) io.stderr.write(`sedge traces: no trace ${id}\n`);
      else out(p.json ? `${JSON.stringify({ forgotten: id })}\n` : `forgot ${id}\n`);
      return ok ? 0 : 1;
    }
    case 'prune': {
      const max = p.opts.get('--max');
      const days = p.opts.get('--older-than');
      const removed = store.prune({
        ...(max ? { maxRecords: Number(max) } : {}),
        ...(days ? { before: Date.now() - Number(days) * 86_400_000 } : {}),
      });
      out(
        p.json
          ? `${JSON.stringify({ removed, left: store.list().length })}\n`
          : `removed ${removed} trace(s), ${store.list().length} left\n`,
      );
      return 0;
    }
    default:
      return 0;
  }
}
