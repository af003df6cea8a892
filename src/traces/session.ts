/**
 * What the composition root needs from traces for one repo: the store, the run-start recall and a
 * recorder that distils a finished run's events into the store. Null outside git (then no traces).
 */
import type { AgentEvent } from '../agent/events.js';
import type { RecallResult } from '../agent/types.js';
import { cacheDir } from '../config/paths.js';
import { snapshotTree } from '../repo/checkpoint.js';
import { repoIdentity } from '../repo/identity.js';
import { type TreeChange, treeChanges } from '../repo/tree-changes.js';
import { attachBlobHashes, distillTrace, type TraceRecord } from './record.js';
import { createRecall } from './recall.js';
import { createRedactor } from './redact.js';
import { openTraceStore, type TraceStore } from './store.js';

export interface RepoTraces {
  id: string;
  root: string;
  store: TraceStore;
  recall: (task: string, signal: AbortSignal) => Promise<RecallResult | null>;
  /** distil, hash, redact and append one finished run; never throws (warns instead) */
  record(
    events: AgentEvent[],
    meta: { model: string; sedgeVersion: string },
    changes?: TreeChange[],
  ): Promise<TraceRecord | null>;
  /**
   * Pass a run's events through; when it ends, record it before returning (so exec cannot exit first).
   * The working tree is snapshotted before the run's first event and again at its end, so the files
   * changed come from git, whatever changed them (null snapshots fall back to the sed tool's reports).
   */
  recordRun<R>(
    run: AsyncGenerator<AgentEvent, R>,
    meta: { model: string; sedgeVersion: string; onRecorded?: (rec: TraceRecord) => void },
  ): AsyncGenerator<AgentEvent, R>;
  /** re-append a record with later facts (same id: the store keeps the last line of an id) */
  update(rec: TraceRecord): Promise<void>;
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
  const store = openTraceStore({
    repoId: ident.id,
    cacheDir: opts.cacheDir ?? cacheDir(env),
    redact: createRedactor({ env }),
    warn,
  });
  async function record(
    events: AgentEvent[],
    meta: { model: string; sedgeVersion: string },
    changes?: TreeChange[],
  ): Promise<TraceRecord | null> {
    try {
      const start = events.find((e) => e.type === 'run_start');
      if (start?.type !== 'run_start' || !start.task.trim()) return null;
      const distilled = distillTrace(events, { ...meta, repoRoot: ident!.root, ...(changes ? { changes } : {}) });
      const rec = await attachBlobHashes(distilled, ident!.root);
      const written = await store.append(rec);
      store.flush();
      return written;
    } catch (err) {
      warn(`could not record this run's trace: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  }

  async function* recordRun<R>(
    run: AsyncGenerator<AgentEvent, R>,
    meta: { model: string; sedgeVersion: string; onRecorded?: (rec: TraceRecord) => void },
  ): AsyncGenerator<AgentEvent, R> {
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
        beforeP ??= snapshot();
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
