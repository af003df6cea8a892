/**
 * The per-repo trace store: $XDG_CACHE_HOME/sedge/repos/<repo-id>/traces.jsonl is the append-only
 * source of truth (one redacted TraceRecord a line, each appended with one write under a lock file);
 * index.json is a compact summary rebuilt from the log when missing or stale. Torn lines (kill -9
 * mid-write) are skipped with a warning. Over the size cap, the least useful records are evicted.
 */
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  readSync,
  type Stats,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { cacheDir as defaultCacheDir } from '../config/paths.js';
import type { TraceRecord } from './record.js';
import { createRedactor, redactDeep, type Redactor } from './redact.js';
import { createRanker, type RankedFile, type RankParams, type RankQuery, type Ranker } from './rank.js';
import { decodeIndex, docOf, encodeIndex, selectWithinCap, type TraceDoc } from './store-index.js';
import { appendWhole } from '../fs/append-whole.js';
import { writeFileAtomicSync } from '../fs/atomic-write.js';
import { ensurePrivateDir, withLock } from './store-fs.js';
import { checkNotSymlinked, logChecksum, quarantine } from './store-health.js';

const STORE_FILES = ['traces.jsonl', 'index.json', 'lock'];

export type { TraceDoc } from './store-index.js';

export interface TraceStoreOptions {
  repoId: string;
  /** default $XDG_CACHE_HOME/sedge or ~/.cache/sedge */
  cacheDir?: string;
  /** size cap: records and log bytes (default 10,000 and 64 MB) */
  maxRecords?: number;
  maxBytes?: number;
  redact?: Redactor;
  warn?: (message: string) => void;
  rankParams?: Partial<RankParams>;
}

export interface PruneOptions {
  maxRecords?: number;
  maxBytes?: number;
  /** drop records that ended before this time (ms since epoch) */
  before?: number;
  /** keep only records this says yes to */
  keep?: (doc: TraceDoc) => boolean;
}

export interface SearchHit {
  doc: TraceDoc;
  score: number;
}

export interface TraceStore {
  readonly dir: string;
  /** redacts, appends one line (under the lock, waited for without blocking); returns what was written */
  append(record: TraceRecord): Promise<TraceRecord>;
  /** summaries, oldest first */
  list(): TraceDoc[];
  /** a full record by id (or unique id prefix) */
  get(id: string): TraceRecord | null;
  forget(id: string): Promise<boolean>;
  prune(opts?: PruneOptions): Promise<number>;
  search(q: RankQuery): { traces: SearchHit[]; files: RankedFile[] };
  /** times later successful runs recalled each record */
  usedCount(id: string): number;
  /** write the index if it is behind the log */
  flush(): void;
  stats(): { records: number; logBytes: number; indexBytes: number };
}

interface State {
  ino: number;
  size: number;
  /** the log's mtime when last read, and the checksum of its first `size` bytes */
  mtime: number;
  sum: string;
  docs: TraceDoc[];
  byId: Map<string, TraceDoc>;
  used: Map<string, number>;
  ranker: Ranker;
  dirty: boolean;
}

/** a record that later successful runs were given gains up to +100% */
const usageBoost = (uses: number): number => Math.min(1, 0.25 * uses);

export function openTraceStore(opts: TraceStoreOptions): TraceStore {
  if (!/^[A-Za-z0-9_-]{4,80}$/.test(opts.repoId)) throw new Error(`bad repo id: ${opts.repoId}`);
  const dir = join(opts.cacheDir ?? defaultCacheDir(), 'repos', opts.repoId);
  const logPath = join(dir, 'traces.jsonl');
  const indexPath = join(dir, 'index.json');
  const lockPath = join(dir, 'lock');
  const maxRecords = opts.maxRecords ?? 10_000;
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  const redact = opts.redact ?? createRedactor();
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`sedge: ${m}\n`));
  let state: State | null = null;
  const warned = new Set<number>();
  /** set while reading outside the lock before an append: an unfinished tail is not called torn */
  let quietTail = false;
  const warnedText = new Set<string>();

  function fresh(ino: number): State {
    return {
      ino,
      size: 0,
      mtime: 0,
      sum: '',
      docs: [],
      byId: new Map(),
      used: new Map(),
      ranker: createRanker(opts.rankParams),
      dirty: true,
    };
  }

  function addDoc(s: State, d: TraceDoc): void {
    const old = s.byId.get(d.id);
    if (old) s.docs.splice(s.docs.indexOf(old), 1);
    s.docs.push(d);
    s.byId.set(d.id, d);
    s.ranker.add({
      id: d.id,
      text: d.task,
      terms: d.terms,
      files: d.files,
      outcome: d.outcome,
      boost: usageBoost(s.used.get(d.id) ?? 0),
    });
    // a record re-appended with later facts (same id) is not a second use of what it recalled
    if (d.outcome === 'done' && !old) {
      for (const r of d.recalled) {
        const n = (s.used.get(r) ?? 0) + 1;
        s.used.set(r, n);
        s.ranker.setBoost(r, usageBoost(n));
      }
    }
  }

  /** Parse complete lines of buf (starting at byte `base` of the log); returns bytes consumed. */
  function parseLines(s: State, buf: Buffer, base: number, atEof: boolean): number {
    let pos = 0;
    while (pos < buf.length) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) {
        if (atEof && !quietTail && !warned.has(base + pos)) {
          warned.add(base + pos);
          warn(`trace log ${logPath}: skipped a torn last line (${buf.length - pos} bytes, from an interrupted write)`);
        }
        return pos;
      }
      if (nl > pos) {
        const line = buf.subarray(pos, nl).toString('utf8');
        try {
          const rec = JSON.parse(line) as TraceRecord;
          if (!rec || typeof rec.id !== 'string' || !Array.isArray(rec.files_changed)) throw new Error('not a record');
          addDoc(s, docOf(rec, base + pos, nl - pos));
        } catch {
          if (!warned.has(base + pos)) {
            warned.add(base + pos);
            warn(`trace log ${logPath}: skipped a damaged line at byte ${base + pos}`);
          }
        }
      }
      pos = nl + 1;
    }
    return pos;
  }

  function empty(): State {
    state = fresh(0);
    state.dirty = false;
    return state;
  }

  function warnOnce(key: string, message: string): void {
    if (warnedText.has(key)) return;
    warnedText.add(key);
    warn(message);
  }

  /** The log cannot be used (not a file, unreadable): move it aside and start fresh, with a warning. */
  function heal(why: string): State {
    const moved = quarantine(logPath);
    warnOnce(
      `heal:${why}`,
      `trace log ${logPath} ${why}; ${moved ? `moved aside to ${moved}` : 'could not move it aside'} and starting fresh`,
    );
    return empty();
  }

  function load(): State {
    try {
      checkNotSymlinked(dir, STORE_FILES);
    } catch (err) {
      warnOnce('symlink', (err as Error).message);
      return empty();
    }
    let st: Stats;
    try {
      st = lstatSync(logPath);
    } catch {
      return empty();
    }
    if (!st.isFile()) return heal('is not a regular file');
    try {
      return loadFrom(st);
    } catch (err) {
      return heal(`could not be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }

  function loadFrom(st: Stats): State {
    const mtime = st.mtimeMs;
    if (state && state.ino === st.ino && state.size === st.size && state.mtime === mtime) return state;
    // appended to since we read it: keep what we have if the part we read is unchanged
    const grown =
      state && state.ino === st.ino && state.size < st.size && logChecksum(logPath, state.size) === state.sum;
    if (!grown || !state) {
      state = fresh(st.ino);
      const idx = existsSync(indexPath) ? decodeIndex(readFileSync(indexPath, 'utf8')) : null;
      const valid =
        idx !== null &&
        idx.ino === st.ino &&
        idx.size <= st.size &&
        (idx.size < st.size || idx.mtime === mtime) &&
        logChecksum(logPath, idx.size) === idx.sum;
      if (idx && valid) {
        for (const d of idx.docs) addDoc(state, d);
        state.size = idx.size;
        state.dirty = false;
      }
    }
    const s = state;
    if (s.size < st.size) {
      const fd = openSync(logPath, 'r');
      try {
        const buf = Buffer.alloc(st.size - s.size);
        readSync(fd, buf, 0, buf.length, s.size);
        // an incomplete tail stays unread: a torn write (the next appender ends it with a newline,
        // after which it is skipped as a damaged line) or, rarely, a write still in flight
        s.size += parseLines(s, buf, s.size, true);
        s.dirty = true;
      } finally {
        closeSync(fd);
      }
    }
    s.mtime = mtime;
    s.sum = logChecksum(logPath, s.size);
    return s;
  }

  function flush(): void {
    const s = load();
    if (!s.dirty || s.ino === 0) return;
    ensurePrivateDir(dir);
    // the index is a cache: checked against the log's size and checksum on load and rebuilt when it does not
    // match, so it needs no fsync (the log itself is what must survive)
    writeFileAtomicSync(indexPath, encodeIndex({ ino: s.ino, size: s.size, mtime: s.mtime, sum: s.sum }, s.docs), {
      mode: 0o600,
      durable: false,
    });
    s.dirty = false;
  }

  function readRecord(d: TraceDoc): TraceRecord | null {
    try {
      const fd = openSync(logPath, 'r');
      try {
        const buf = Buffer.alloc(d.len);
        readSync(fd, buf, 0, d.len, d.off);
        return JSON.parse(buf.toString('utf8')) as TraceRecord;
      } finally {
        closeSync(fd);
      }
    } catch {
      return null;
    }
  }

  /** Rewrite the log keeping `keep` (under the lock), then rebuild the index. */
  async function rewrite(select: (s: State) => Set<string>): Promise<number> {
    let removed = 0;
    await withLock(lockPath, () => {
      state = null;
      const s = load();
      const keep = select(s);
      const kept = s.docs.filter((d) => keep.has(d.id));
      removed = s.docs.length - kept.length;
      if (!removed) return;
      const lines = kept.map((d) => readRecord(d)).filter((r): r is TraceRecord => r !== null);
      writeFileAtomicSync(logPath, lines.map((r) => `${JSON.stringify(r)}\n`).join(''), { mode: 0o600 });
      state = null;
      flush();
    });
    return removed;
  }

  function prune(p: PruneOptions = {}): Promise<number> {
    const capRecords = p.maxRecords ?? maxRecords;
    const capBytes = p.maxBytes ?? maxBytes;
    return rewrite((s) => {
      const docs = s.docs.filter((d) => (p.before === undefined || d.ts >= p.before) && (!p.keep || p.keep(d)));
      // an explicit cap (`traces prune --max N`) is met exactly; the automatic one keeps headroom
      const explicit = p.maxRecords !== undefined || p.maxBytes !== undefined;
      return selectWithinCap(docs, s.used, capRecords, capBytes, explicit ? 1 : 0.9);
    });
  }

  async function append(record: TraceRecord): Promise<TraceRecord> {
    const clean = redactDeep(record, redact);
    const line = Buffer.from(`${JSON.stringify(clean)}\n`, 'utf8');
    checkNotSymlinked(dir, STORE_FILES); // throws: the caller warns, nothing is written
    ensurePrivateDir(dir);
    // a log that is not a readable file is moved aside first; read outside the lock, an incomplete last line
    // may be another process's append in flight, so it is not reported as torn here (the locked read does)
    quietTail = true;
    try {
      load();
    } finally {
      quietTail = false;
    }
    let count = 0;
    let size = 0;
    await withLock(lockPath, () => {
      const fd = openSync(
        logPath,
        constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
        0o600,
      );
      try {
        const st = fstatSync(fd);
        let data = line;
        if (st.size > 0) {
          const last = Buffer.alloc(1);
          readSync(fd, last, 0, 1, st.size - 1);
          if (last[0] !== 10) data = Buffer.concat([Buffer.from('\n'), line]);
        }
        appendWhole(fd, data);
      } finally {
        closeSync(fd);
      }
      const s = load();
      count = s.docs.length;
      size = s.size;
    });
    if (count > maxRecords || size > maxBytes) await prune();
    return clean;
  }

  function resolveId(id: string): TraceDoc | undefined {
    const s = load();
    const exact = s.byId.get(id);
    if (exact) return exact;
    const matches = id.length >= 4 ? s.docs.filter((d) => d.id.startsWith(id)) : [];
    return matches.length === 1 ? matches[0] : undefined;
  }

  return {
    dir,
    append,
    list: () => [...load().docs],
    get(id) {
      const d = resolveId(id);
      return d ? readRecord(d) : null;
    },
    async forget(id) {
      const d = resolveId(id);
      if (!d) return false;
      return (await rewrite((s) => new Set(s.docs.filter((x) => x.id !== d.id).map((x) => x.id)))) > 0;
    },
    prune,
    search(q) {
      const s = load();
      const r = s.ranker.query(q);
      return {
        traces: r.traces.map((t) => ({ doc: s.byId.get(t.id)!, score: t.score })).filter((h) => h.doc),
        files: r.files,
      };
    },
    usedCount: (id) => load().used.get(id) ?? 0,
    flush,
    stats() {
      const s = load();
      const size = (p: string): number => (existsSync(p) ? statSync(p).size : 0);
      return { records: s.docs.length, logBytes: size(logPath), indexBytes: size(indexPath) };
    },
  };
}
