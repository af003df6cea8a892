/**
 * What the composition root needs from traces for one repo: the store, the run-start recall and a
 * recorder that distils a finished run's events into the store. Null outside git (then no traces).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AgentEvent } from '../agent/events.js';
import type { RecallResult } from '../agent/types.js';
import { cacheDir } from '../config/paths.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { snapshotTree } from '../repo/checkpoint.js';
import { headCommit } from '../repo/commit-state.js';
import { onProcessExit } from '../exec/exit-cleanup.js';
import { repoIdentity } from '../repo/identity.js';
import { type TreeChange, treeChanges } from '../repo/tree-changes.js';
import { type FollowUp, followUpRecord } from './follow-up.js';
import { attachBlobHashes, distillTrace, type TraceRecord } from './record.js';
import { createRecall } from './recall.js';
import { secretEnvValues } from '../secrets/redact.js';
import { createRedactor } from './redact.js';
import { openTraceStore, type TraceStore } from './store.js';

export interface RecordRunMeta {
  model: string;
  sedgeVersion: string;
  onRecorded?: (rec: TraceRecord) => void;
  /** keep where the run left the repository, for a later followUp */
  followUp?: boolean;
  /** runs beside the first snapshot and is awaited before any tool runs (the follow-up of earlier runs) */
  before?: () => Promise<void>;
}

export interface RepoTraces {
  id: string;
  root: string;
  store: TraceStore;
  recall: (task: string, signal: AbortSignal) => Promise<RecallResult | null>;
  /** distil, hash, redact and append one finished run; never throws (warns instead) */
  record(
    events: AgentEvent[],
    meta: { model: string; sedgeVersion: string; followUp?: boolean },
    changes?: TreeChange[],
  ): Promise<TraceRecord | null>;
  /**
   * Pass a run's events through; when it ends, record it before returning (so exec cannot exit first).
   * The working tree is snapshotted before the run's first event and again at its end, so the files
   * changed come from git, whatever changed them (null snapshots fall back to the sed tool's reports).
   */
  recordRun<R>(run: AsyncGenerator<AgentEvent, R>, meta: RecordRunMeta): AsyncGenerator<AgentEvent, R>;
  /** re-append a record with later facts (same id: the store keeps the last line of an id) */
  update(rec: TraceRecord): Promise<void>;
  /**
   * What the person did with this checkout's recent runs since they ended (edited their files again,
   * committed them): each record that learned something is re-appended and handed to `learned`. Only runs
   * recorded with `followUp` are looked at; never throws.
   */
  followUp(learned: (rec: TraceRecord, f: FollowUp) => Promise<void> | void): Promise<void>;
}

/** how many recent runs of a checkout are watched for a commit (the newest one for edits too) */
const WATCHED = 8;

/**
 * One store object per repository (and per set of secrets it redacts) in a process, the most recent few kept:
 * a batch runs many tasks in the same repositories, and a fresh store rebuilds its in-memory index from
 * index.json on first use (about 0.6 s of CPU at 10,000 records). A store checks the log on every read, so
 * what other processes appended is still seen. Its warnings go to whoever opened it last.
 */
const shared = new Map<string, { store: TraceStore; warn: { to: (message: string) => void } }>();
const SHARED_STORES = 16;

/**
 * The index is a cache of the log (a loader reads what it lacks from the log's tail), so a store that takes
 * many records in a row (a batch) rewrites it at most every couple of seconds instead of per record (at
 * 5,000 records, a megabyte per task), and once more when the process exits. The first record of a
 * process is written through at once.
 */
const lastFlush = new WeakMap<TraceStore, number>();
const behind = new Set<TraceStore>();
const FLUSH_EVERY_MS = 2000;
let flushOnExit = false;

function flushSoon(store: TraceStore): void {
  const now = Date.now();
  if (now - (lastFlush.get(store) ?? 0) >= FLUSH_EVERY_MS) {
    store.flush();
    lastFlush.set(store, now);
    behind.delete(store);
    return;
  }
  behind.add(store);
  if (!flushOnExit) {
    flushOnExit = true;
    onProcessExit(() => {
      for (const s of behind) s.flush();
    });
  }
}

function sharedStore(repoId: string, dir: string, env: Record<string, string | undefined>, warn: (m: string) => void) {
  const secrets = createHash('sha256').update(secretEnvValues(env).join('\0')).digest('hex');
  const key = `${dir}\0${repoId}\0${secrets}`;
  const hit = shared.get(key);
  if (hit) {
    shared.delete(key);
    shared.set(key, hit);
    hit.warn.to = warn;
    return hit.store;
  }
  const sink = { to: warn };
  const store = openTraceStore({
    repoId,
    cacheDir: dir,
    redact: createRedactor({ env }),
    warn: (m) => sink.to(m),
  });
  shared.set(key, { store, warn: sink });
  if (shared.size > SHARED_STORES) shared.delete(shared.keys().next().value as string);
  return store;
}

export async function openRepoTraces(opts: {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** where the per-repo stores live (resolved by cli/compose.ts); default from env */
  cacheDir?: string;
  budgetTokens?: number;
  warn?: (message: string) => void;
  /** the repository's identity when the caller already asked git (repoFacts); asked here otherwise */
  identity?: { root: string; id: string } | null;
}): Promise<RepoTraces | null> {
  const ident = opts.identity !== undefined ? opts.identity : await repoIdentity(opts.cwd);
  if (!ident) return null;
  const env = opts.env ?? process.env;
  const warn = opts.warn ?? (() => {});
  const store = sharedStore(ident.id, opts.cacheDir ?? cacheDir(env), env, warn);
  // The checkout's recent run ids (newest last), beside the store: what followUp looks at.
  const checkout = createHash('sha256').update(ident.root).digest('hex').slice(0, 16);
  const watchFile = join(store.dir, 'checkouts', `${checkout}.json`);
  const watched = async (): Promise<string[]> => {
    try {
      const ids = (JSON.parse(await readFile(watchFile, 'utf8')) as { runs?: unknown }).runs;
      return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  };
  const watch = async (ids: string[]) => {
    await mkdir(dirname(watchFile), { recursive: true, mode: 0o700 });
    await writeFileAtomic(watchFile, `${JSON.stringify({ runs: ids.slice(-WATCHED) })}\n`, { mode: 0o600 });
  };

  async function record(
    events: AgentEvent[],
    meta: { model: string; sedgeVersion: string; followUp?: boolean },
    changes?: TreeChange[],
  ): Promise<TraceRecord | null> {
    try {
      const start = events.find((e) => e.type === 'run_start');
      if (start?.type !== 'run_start' || !start.task.trim()) return null;
      const distilled = distillTrace(events, {
        model: meta.model,
        sedgeVersion: meta.sedgeVersion,
        repoRoot: ident!.root,
        ...(changes ? { changes } : {}),
      });
      const rec = await attachBlobHashes(distilled, ident!.root);
      if (meta.followUp) rec.left = { head: await headCommit(ident!.root), checkout };
      const written = await store.append(rec);
      flushSoon(store);
      if (meta.followUp) {
        // the newest run is the one watched for edits; a run that changed nothing has nothing to follow
        const ids = (await watched()).filter((id) => id !== written.id);
        await watch(written.files_changed.length ? [...ids, written.id] : ids);
      }
      return written;
    } catch (err) {
      warn(`could not record this run's trace: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }

  async function* recordRun<R>(run: AsyncGenerator<AgentEvent, R>, meta: RecordRunMeta): AsyncGenerator<AgentEvent, R> {
    const keep = async () => {
      const rec = await record(events, meta, await changes());
      if (rec) meta.onRecorded?.(rec);
    };
    const events: AgentEvent[] = [];
    let recorded = false;
    let finished = false;
    // The first snapshot is taken while the model is asked for its first step (it does not delay the first
    // request); it is awaited before any tool can run, i.e. before pulling the event after a tool_start.
    let beforeP: Promise<string | null> | undefined;
    let before: string | null | undefined;
    let settle = false;
    const snapshot = (): Promise<string | null> =>
      snapshotTree(ident!.root).catch((err: unknown) => {
        warn(`could not snapshot the working tree for this run's trace: ${(err as Error).message}`);
        return null;
      });
    const changes = async (): Promise<TreeChange[] | undefined> => {
      if (before === undefined && beforeP) before = await beforeP;
      if (!before) return undefined;
      const after = await snapshot();
      return after ? treeChanges(ident!.root, before, after).catch(() => undefined) : undefined;
    };
    try {
      for (;;) {
        beforeP ??= Promise.all([snapshot(), meta.before?.().catch(() => undefined)]).then(([tree]) => tree);
        if (settle && before === undefined) before = await beforeP;
        const next = await run.next();
        if (next.done) {
          finished = true;
          recorded = true;
          await keep();
          return next.value;
        }
        events.push(next.value);
        if (next.value.type === 'tool_start') settle = true;
        yield next.value;
      }
    } finally {
      // the consumer stopped early (or the run threw): let the run clean up, keep what happened
      if (!finished) await run.return(undefined as R).catch(() => undefined);
      if (!recorded && events.some((e) => e.type === 'run_end')) await keep();
    }
  }

  return {
    id: ident.id,
    root: ident.root,
    store,
    recall: createRecall({
      store,
      repoRoot: ident.root,
      ...(opts.budgetTokens ? { budgetTokens: opts.budgetTokens } : {}),
    }),
    record,
    recordRun,
    async followUp(learned) {
      try {
        const ids = await watched();
        const keep: string[] = [];
        for (const [i, id] of ids.entries()) {
          const rec = store.get(id);
          // undone: its files are back as they were, by sedge; nothing more to learn
          if (!rec || rec.signals?.undone) continue;
          const newest = i === ids.length - 1;
          const f = await followUpRecord(ident!.root, rec, newest && !rec.signals?.edited_again);
          const fresh: FollowUp = {
            edited: f?.edited ?? [],
            committed: rec.signals?.committed ? [] : (f?.committed ?? []),
            commit: rec.signals?.committed ? null : (f?.commit ?? null),
          };
          const committed = rec.signals?.committed || fresh.committed.length > 0;
          if (!committed) keep.push(id);
          if (!fresh.edited.length && !fresh.committed.length) continue;
          const updated: TraceRecord = {
            ...rec,
            signals: {
              approved: 0,
              denied: 0,
              undone: false,
              ...rec.signals,
              ...(fresh.edited.length ? { edited_again: true } : {}),
              ...(fresh.commit ? { committed: true, commit: fresh.commit } : {}),
            },
          };
          await store.append(updated);
          store.flush();
          await learned(updated, fresh);
        }
        if (keep.length !== ids.length) await watch(keep);
      } catch (err) {
        warn(`could not follow up earlier runs: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
    async update(rec) {
      try {
        await store.append(rec);
        store.flush();
      } catch (err) {
        warn(`could not update a trace: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  };
}
