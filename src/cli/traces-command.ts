/**
 * `sedge traces list|show ID|forget ID|prune|export [--json]` for the current repo's trace store, and
 * `sedge traces replay FILE.jsonl` (the commit-replay benchmark driver; needs no repo).
 * Exit 0 on success, 1 when the record is not found, 2 on bad usage or outside a git repo.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AgentEvent } from '../agent/events.js';
import { loadSessionEvents } from '../agent/session-files.js';
import { cacheDir, stateDir } from '../config/paths.js';
import { readPrompt } from '../config/prompts.js';
import { isAccepted, runEvents, toChatExample } from '../traces/chat-export.js';
import { createRedactor } from '../traces/redact.js';
import { repoIdentity } from '../repo/identity.js';
import { parseReplayFile, runReplay } from '../traces/replay.js';
import { openTraceStore, type TraceStore } from '../traces/store.js';
import { parseCommand, usageError, workDir } from './args.js';
import { TRACES } from './commands.js';

export interface TracesCommandIo {
  cwd: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env?: Record<string, string | undefined>;
}

interface Parsed {
  sub: string;
  pos: string[];
  json: boolean;
  onlyAccepted: boolean;
  opts: Map<string, string>;
}

/** The shared parser (command table's TRACES flags); the numbers are checked here. */
function parse(argv: string[], io: TracesCommandIo): Parsed | number {
  const parsed = parseCommand(TRACES, argv[0] === 'traces' ? argv.slice(1) : argv, io);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const out: Parsed = {
    sub: positionals[0] ?? 'list',
    pos: positionals.slice(1),
    json: Boolean(values.json),
    onlyAccepted: Boolean(values['only-accepted']),
    opts: new Map(),
  };
  if (values.format !== undefined) {
    if (values.format !== 'records' && values.format !== 'chat-jsonl')
      return usageError(TRACES, io, '--format needs records or chat-jsonl');
    out.opts.set('--format', values.format);
  }
  if (values.since !== undefined) {
    if (Number.isNaN(Date.parse(values.since)))
      return usageError(TRACES, io, `--since needs a date like 2026-01-31, got "${values.since}"`);
    out.opts.set('--since', values.since);
  }
  for (const name of ['max', 'older-than', 'warmup'] as const) {
    const v = values[name];
    if (v === undefined) continue;
    if (!/^\d+(\.\d+)?$/.test(v)) return usageError(TRACES, io, `--${name} needs a number`);
    out.opts.set(`--${name}`, v);
  }
  if (values.cd) out.opts.set('--cd', values.cd);
  return out;
}

function date(ts: number): string {
  return ts ? new Date(ts).toISOString().replace('T', ' ').slice(0, 16) : '-';
}

export async function runTracesCommand(argv: string[], io: TracesCommandIo): Promise<number> {
  const p = parse(argv, io);
  if (typeof p === 'number') return p;
  let cwd: string;
  try {
    cwd = workDir(io.cwd, p.opts.get('--cd'));
  } catch (err) {
    return usageError(TRACES, io, (err as Error).message);
  }
  if (p.sub === 'replay') {
    const file = p.pos[0];
    if (!file) return usageError(TRACES, io, 'replay needs a FILE.jsonl');
    let lines: ReturnType<typeof parseReplayFile>;
    try {
      lines = parseReplayFile(resolve(cwd, file));
    } catch (err) {
      return usageError(TRACES, io, `cannot read ${file}: ${(err as Error).message}`);
    }
    await runReplay(lines, {
      warmup: Number(p.opts.get('--warmup') ?? 50),
      write: (l) => io.stdout.write(l),
      warn: (m) => io.stderr.write(`sedge: ${m}\n`),
    });
    return 0;
  }
  if (!['list', 'show', 'forget', 'prune', 'export'].includes(p.sub)) {
    const near = ['list', 'show', 'forget', 'prune', 'export', 'replay'].filter((c) => c[0] === p.sub[0]);
    return usageError(
      TRACES,
      io,
      `unknown subcommand ${p.sub}${near.length ? ` (did you mean: ${near.join(', ')}?)` : ''}`,
    );
  }
  const ident = await repoIdentity(cwd);
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

async function runOnStore(store: TraceStore, p: Parsed, io: TracesCommandIo): Promise<number> {
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
      const ok = await store.forget(id);
      if (!ok) io.stderr.write(`sedge traces: no trace ${id}\n`);
      else out(p.json ? `${JSON.stringify({ forgotten: id })}\n` : `forgot ${id}\n`);
      return ok ? 0 : 1;
    }
    case 'prune': {
      const max = p.opts.get('--max');
      const days = p.opts.get('--older-than');
      const removed = await store.prune({
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
