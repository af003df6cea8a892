/**
 * The ranker behind recall, the recall tool and the replay benchmark: an in-memory index of trace
 * summaries (task text, changed files) that scores prior traces and likely files for a new task.
 *
 * Trace score = BM25 over task text and path terms (bm25.ts), damped by age in records, plus
 * evidence from the files the trace touched (files that the query names or that similar traces
 * changed). File score = votes of the best traces + direct path-term matches + a small recency prior
 * + co-change / test-pair spread (file-graph.ts), then the best 60 files re-scored by a second stage
 * (file-rerank.ts). The top traces are chosen to cover the likely files (cover.ts).
 */
import { createBm25 } from './bm25.js';
import { chooseTraces } from './cover.js';
import { createFileGraph, spreadStructure } from './file-graph.js';
import {
  dirCounts,
  dirOf,
  type FeatureVector,
  fileFeatures,
  type PathFacts,
  pathFacts,
  type RerankContext,
  rerankScore,
  taskKinds,
} from './file-rerank.js';
import { RERANK_MODEL } from './rerank-model.js';
import type { TreeEnsemble } from './rerank-trees.js';
import { createKindPrior, taskType } from './kind-prior.js';
import { topK } from './top-k.js';
import { pathTerms, tokenize } from './tokens.js';

/** traces kept from the lexical pass (the rest can still come in through their files) */
const TEXT_CANDIDATES = 400;
/** lexical hits under this share of the best one are left out (a common word alone; at most 0.05 of a vote) */
const MIN_TEXT_SHARE = 0.05;

export interface RankDoc {
  id: string;
  text: string;
  /** pre-tokenised terms (from the index file); used instead of tokenising text */
  terms?: string[];
  files: string[];
  /** done records count fully; failed ones a little less */
  outcome?: string;
  /** extra weight from usage (facts that proved true), 0 by default */
  boost?: number;
}

export interface RankParams {
  /** half-life of the recency decay, in records */
  halfLife: number;
  /** floor of the decay multiplier */
  decayFloor: number;
  /** how much the file evidence adds to a trace's score (relative to top BM25 = 1) */
  fileWeight: number;
  /** how many top traces vote for files */
  voters: number;
  /** weight of direct query-to-path matches in file scores */
  pathWeight: number;
  /** weight of the recency prior in file scores */
  recentWeight: number;
  /** window of the recency prior, in records */
  recentWindow: number;
  /** query terms at most (long bodies add noise) */
  maxQueryTerms: number;
  /** weight of first-line (title) terms relative to the rest of the task text */
  titleBoost: number;
  /** 0..1: how much a trace whose files are all covered by higher traces is pushed down */
  diversity: number;
  /** weight of co-change evidence: partners of the top files, by the share of tasks they changed together */
  coWeight: number;
  /** how many top files spread co-change evidence */
  coSeeds: number;
  /** weight of the test <-> source counterpart of a top file */
  pairWeight: number;
  /** weight of the marginal coverage of the likely files when the top traces are chosen (0: off) */
  coverWeight: number;
  /** likely file at rank r (0-based) counts (1 + r)^-coverGamma; files past rank coverFiles do not count */
  coverGamma: number;
  coverFiles: number;
  /** best traces the coverage choice picks from */
  coverPool: number;
  /** first-stage files the second stage re-scores (0: no second stage) */
  rerankDepth: number;
  /** the second stage's model over its features (file-rerank.ts, rerank-trees.ts) */
  rerankModel: TreeEnsemble;
}

/** Chosen on the six dev replays where the metric is flat; checked by leave-one-repo-out (bench/recall-loro.js). */
export const DEFAULT_PARAMS: RankParams = {
  halfLife: 300,
  decayFloor: 0.2,
  fileWeight: 0.75,
  voters: 50,
  pathWeight: 0.75,
  recentWeight: 0.5,
  recentWindow: 20,
  maxQueryTerms: 16,
  titleBoost: 2,
  diversity: 0.9,
  coWeight: 0.5,
  coSeeds: 5,
  pairWeight: 0.3,
  coverWeight: 2,
  coverGamma: 0.5,
  coverFiles: 30,
  coverPool: 80,
  rerankDepth: 60,
  rerankModel: RERANK_MODEL,
};

export interface RankQuery {
  text: string;
  /** paths the task mentions or that exist in the live tree get a boost / filter */
  mentioned?: string[];
  /** when given, files not in it are dropped from the file list (deleted since) */
  liveFiles?: ReadonlySet<string>;
  /** files changed since each record was made: record id -> stale share 0..1 */
  staleness?: (id: string) => number;
  limit?: number;
  fileLimit?: number;
  /** analysis: the second stage's candidates with their features (bench/recall-dump.js) */
  onFeatures?: (path: string, x: FeatureVector) => void;
}

/** Why a file is in the list: the evidence that put it there. */
export interface FileWhy {
  /** related earlier tasks (among the voters) that changed it, and the best of them */
  tasks: number;
  topTask?: string;
  /** the task's words match its path */
  path?: boolean;
  /** the task names it */
  mentioned?: boolean;
  /** changed in the last few records */
  recent?: boolean;
  /** changed together with a higher file in n earlier tasks */
  cochanged?: { with: string; n: number };
  /** test of a higher source file, or source of a higher test file */
  pair?: { of: string; isTest: boolean };
}

export interface RankedFile {
  path: string;
  score: number;
  why: FileWhy;
}

export interface RankResult {
  traces: { id: string; score: number }[];
  files: RankedFile[];
}

interface Entry {
  id: string;
  ord: number;
  files: string[];
  outcome: string;
  boost: number;
  /** task type (kind-prior.ts) */
  type: string;
}

export interface Ranker {
  add(doc: RankDoc): void;
  remove(id: string): void;
  has(id: string): boolean;
  /** usage evidence: a record later runs recalled and then succeeded with */
  setBoost(id: string, boost: number): void;
  readonly size: number;
  query(q: RankQuery): RankResult;
}

/** Each kind of first-stage evidence divided by its best value in this query. */
function normalise<K extends string>(parts: Record<K, Map<string, number>>): Record<K, Map<string, number>> {
  for (const m of Object.values<Map<string, number>>(parts)) {
    let max = 0;
    for (const v of m.values()) if (v > max) max = v;
    if (max > 0) for (const [k, v] of m) m.set(k, v / max);
  }
  return parts;
}

export function createRanker(params: Partial<RankParams> = {}): Ranker {
  const p: RankParams = { ...DEFAULT_PARAMS, ...params };
  const textIndex = createBm25(2); // fields: task text, path terms
  const pathIndex = createBm25(1); // one document per known path
  const entries = new Map<number, Entry>();
  const byId = new Map<string, number>();
  const paths = new Map<string, { pid: number; last: number; count: number; ords: number[] }>();
  const pathNames: string[] = [];
  const graph = createFileGraph();
  const kinds = createKindPrior();
  let nextOrd = 0;
  const pathTermCache = new Map<string, string[]>();
  const factCache = new Map<string, PathFacts>();
  const factsOf = (f: string): PathFacts => {
    let x = factCache.get(f);
    if (!x) factCache.set(f, (x = pathFacts(f, tokenize)));
    return x;
  };
  const termsOfPath = (f: string): string[] => {
    let t = pathTermCache.get(f);
    if (!t) pathTermCache.set(f, (t = pathTerms(f)));
    return t;
  };

  function add(doc: RankDoc): void {
    if (byId.has(doc.id)) remove(doc.id);
    const ord = nextOrd++;
    const files = [...new Set(doc.files)];
    const type = taskType(doc.text);
    entries.set(ord, { id: doc.id, ord, files, outcome: doc.outcome ?? 'done', boost: doc.boost ?? 0, type });
    kinds.add(type, files);
    byId.set(doc.id, ord);
    const pterms = new Set<string>();
    for (const f of files) for (const t of termsOfPath(f)) pterms.add(t);
    textIndex.add(ord, [doc.terms ?? tokenize(doc.text), [...pterms]]);
    graph.add(files);
    for (const f of files) {
      let info = paths.get(f);
      if (!info) {
        info = { pid: pathNames.length, last: ord, count: 0, ords: [] };
        pathNames.push(f);
        paths.set(f, info);
        pathIndex.add(info.pid, [termsOfPath(f)]);
        factsOf(f); // once per new path here, not in the first queries of a freshly loaded store
      }
      info.last = ord;
      info.count++;
      info.ords.push(ord);
    }
  }

  function remove(id: string): void {
    const ord = byId.get(id);
    if (ord === undefined) return;
    byId.delete(id);
    const e = entries.get(ord);
    graph.remove(e?.files ?? []);
    if (e) kinds.remove(e.type, e.files);
    entries.delete(ord);
    textIndex.remove(ord);
  }

  function query(q: RankQuery): RankResult {
    const limit = q.limit ?? 10;
    const fileLimit = q.fileLimit ?? 10;
    const nl = q.text.indexOf('\n');
    const title = new Set(tokenize(nl < 0 ? q.text : q.text.slice(0, nl)));
    const terms = [...new Set([...title, ...tokenize(nl < 0 ? '' : q.text.slice(nl + 1))])].slice(0, p.maxQueryTerms);
    const qType = taskType(q.text);
    const boostTerm = (t: string): number => (title.has(t) ? p.titleBoost : 1);
    const now = nextOrd;
    const decay = (ord: number): number => p.decayFloor + (1 - p.decayFloor) * 0.5 ** ((now - ord) / p.halfLife);
    const outcomeWeight = (e: Entry): number => (e.outcome === 'done' ? 1 : e.outcome === 'tests_failed' ? 0.7 : 0.5);

    // 1. lexical trace scores
    const scored = new Map<number, number>();
    let maxText = 0;
    if (terms.length) {
      for (const [ord, raw] of textIndex.search(terms, [1, 0.5], boostTerm, MIN_TEXT_SHARE)) {
        const e = entries.get(ord);
        if (!e) continue;
        const s = raw * decay(e.ord) * outcomeWeight(e) * (1 + e.boost) * (1 - 0.5 * (q.staleness?.(e.id) ?? 0));
        scored.set(e.ord, s);
        if (s > maxText) maxText = s;
      }
    }
    const textRank = topK(scored, TEXT_CANDIDATES);

    // 2. file scores: votes of the top traces, direct path matches, recency prior
    const fileScore = new Map<string, number>();
    const why = new Map<string, FileWhy>();
    const whyOf = (f: string): FileWhy => {
      let w = why.get(f);
      if (!w) why.set(f, (w = { tasks: 0 }));
      return w;
    };
    const parts = { vote: new Map<string, number>(), path: new Map(), recent: new Map(), struct: new Map() };
    let part: Map<string, number> = parts.vote;
    const bump = (f: string, s: number): boolean => {
      if (q.liveFiles && !q.liveFiles.has(f)) return false;
      fileScore.set(f, (fileScore.get(f) ?? 0) + s);
      part.set(f, (part.get(f) ?? 0) + s);
      return true;
    };
    const bestOf = new Map<string, number>(); // file -> rank of the best voting trace that changed it
    const top5 = new Map<string, number>();
    textRank.slice(0, p.voters).forEach(([ord, s], rank) => {
      const e = entries.get(ord)!;
      for (const f of e.files) {
        if (rank < 5) top5.set(f, (top5.get(f) ?? 0) + 1);
        if (!bestOf.has(f)) bestOf.set(f, rank);
        if (!bump(f, s / (maxText || 1) / Math.sqrt(e.files.length))) continue;
        const w = whyOf(f);
        if (!w.tasks++) w.topTask = e.id;
      }
    });
    part = parts.path;
    if (p.pathWeight > 0 && terms.length) {
      const hits = [...pathIndex.search(terms, [1])].sort((a, b) => b[1] - a[1]);
      const top = hits[0]?.[1] ?? 1;
      for (const [pid, score] of hits.slice(0, 50)) {
        const f = pathNames[pid]!;
        const info = paths.get(f)!;
        const s = ((p.pathWeight * score) / top) * (0.5 + 0.5 * decay(info.last));
        if (bump(f, s) && s >= p.pathWeight * 0.5 * 0.6) whyOf(f).path = true;
      }
    }
    for (const m of q.mentioned ?? []) if (paths.has(m) && bump(m, 2)) whyOf(m).mentioned = true;
    part = parts.recent;
    if (p.recentWeight > 0) {
      for (let ord = now - 1; ord >= Math.max(0, now - p.recentWindow); ord--) {
        const e = entries.get(ord);
        if (!e) continue;
        for (const f of e.files) {
          const s = (p.recentWeight * (1 - (now - 1 - ord) / p.recentWindow)) / e.files.length;
          if (bump(f, s) && now - 1 - ord < 3) whyOf(f).recent = true;
        }
      }
    }
    part = parts.struct;
    spreadStructure(graph, p, fileScore, whyOf, bump);
    const stage1 = topK(fileScore, Math.max(fileLimit, 30, p.rerankDepth));
    const files = rerank(
      stage1,
      {
        now,
        graph,
        queryTerms: new Set(terms),
        ords: (f) => paths.get(f)?.ords,
        lastFiles: entries.get(now - 1)?.files ?? [],
        topFiles: textRank[0] ? entries.get(textRank[0][0])!.files : [],
        facts: factsOf,
        parts: normalise(parts),
        voters: (f) => why.get(f)?.tasks ?? 0,
        best: (f) => {
          const r = bestOf.get(f);
          return r === undefined ? undefined : { score: textRank[r]![1] / (maxText || 1), rank: r };
        },
        top3Files: textRank.slice(0, 3).map(([ord]) => entries.get(ord)!.files),
        top5Count: (f) => top5.get(f) ?? 0,
        head: stage1.slice(0, 3).map(([f]) => f),
        headPairs: new Set(stage1.slice(0, 3).flatMap(([f]) => graph.counterparts(f))),
        headDirs: stage1.slice(0, 10).map(([f]) => dirOf(f)),
        recentDirs: dirCounts(entries, now - 5, now),
        kinds: taskKinds(q.text),
        prior: (f) => kinds.of(qType, f),
      },
      q.onFeatures,
    );
    const maxFile = stage1[0]?.[1] ?? 1;

    // 3. traces re-scored with the evidence of their files
    const final = new Map<number, number>();
    for (const [ord, s] of textRank) final.set(ord, s / (maxText || 1));
    if (p.fileWeight > 0) {
      const topFiles = new Map(stage1.slice(0, 30).map(([f, s]) => [f, s / maxFile]));
      const best = new Map<number, number>();
      for (const [f, s] of topFiles) {
        const ords = paths.get(f)?.ords ?? [];
        // the newest TEXT_CANDIDATES traces of each file: older ones sit at the decay floor
        for (let i = ords.length - 1; i >= Math.max(0, ords.length - TEXT_CANDIDATES); i--) {
          const ord = ords[i]!;
          if ((best.get(ord) ?? 0) < s && entries.has(ord)) best.set(ord, s);
        }
      }
      for (const [ord, b] of best) final.set(ord, (final.get(ord) ?? 0) + p.fileWeight * b * decay(ord));
    }
    const pool = Math.max(limit * 4, p.coverWeight > 0 ? p.coverPool : 40);
    const ranked = topK(final, pool);
    const likely = new Map(files.slice(0, p.coverFiles).map(([f], r) => [f, (1 + r) ** -p.coverGamma]));
    const filesOf = (ord: number): readonly string[] => entries.get(ord)!.files;
    const traces = chooseTraces(ranked, limit, likely, filesOf, p).map(([ord, score]) => ({
      id: entries.get(ord)!.id,
      score,
    }));
    const out = files.slice(0, fileLimit).map(([path, score]) => ({ path, score, why: whyOf(path) }));
    return { traces, files: out };
  }

  function rerank(
    cands: [string, number][],
    ctx: RerankContext,
    onFeatures?: (path: string, x: FeatureVector) => void,
  ): [string, number][] {
    if (p.rerankDepth <= 0) return cands;
    const max = cands[0]?.[1] ?? 1;
    const head = cands.slice(0, p.rerankDepth).map(([f, s], i): [string, number] => {
      const x = fileFeatures(ctx, f, s, max, i);
      onFeatures?.(f, x);
      return [f, rerankScore(x, p.rerankModel)];
    });
    head.sort((a, b) => b[1] - a[1]);
    return head;
  }

  return {
    add,
    remove,
    has: (id) => byId.has(id),
    setBoost(id, boost) {
      const ord = byId.get(id);
      const e = ord === undefined ? undefined : entries.get(ord);
      if (e) e.boost = boost;
    },
    get size() {
      return entries.size;
    },
    query,
  };
}
