/**
 * Second stage of the file ranking: the best first-stage candidates re-scored by a linear model over
 * features the index already keeps (first-stage evidence split by kind, recency and frequency of
 * change, co-change with the latest records and with the best trace, path words shared with the
 * task). One global weight vector, fitted by leave-one-repo-out over the commit-replay histories
 * (bench/recall-fit.py); nothing here is per repository.
 */
import type { FileGraph } from './file-graph.js';
import { testKey } from './file-graph.js';

export const RERANK_FEATURES = [
  'score', // first-stage score / best first-stage score
  'rank', // 1 / (1 + first-stage rank)
  'vote', // votes of the top traces (normalised)
  'path', // direct path match with the task
  'recent', // recency prior
  'struct', // co-change / test pair spread from the top files
  'voters', // log(1 + top traces that changed it)
  'age', // log(1 + records since it last changed)
  'last1', // changed by the latest record
  'last5', // changes among the latest 5 records
  'last20', // changes among the latest 20 records
  'freq', // log(1 + records that changed it)
  'coLast', // co-change share with the files of the latest record
  'coTop', // co-change share with the files of the best trace
  'words', // share of its basename words found in the task
  'dirWords', // share of its directory words found in the task
  'isTest', // 1 for a test file
  'bias', // 1
] as const;

export type FeatureVector = number[];

export interface RerankContext {
  now: number;
  graph: FileGraph;
  queryTerms: ReadonlySet<string>;
  /** ordinals of the records that changed the file, oldest first */
  ords(f: string): readonly number[] | undefined;
  /** files of the latest record and of the best trace */
  lastFiles: readonly string[];
  topFiles: readonly string[];
  termsOf(segment: string): string[];
  /** first-stage components by kind, max-normalised per query */
  parts: Record<'vote' | 'path' | 'recent' | 'struct', ReadonlyMap<string, number>>;
  voters(f: string): number;
}

function countSince(ords: readonly number[], from: number): number {
  let n = 0;
  for (let i = ords.length - 1; i >= 0 && ords[i]! >= from; i--) n++;
  return n;
}

function coShare(graph: FileGraph, f: string, with_: readonly string[]): number {
  const partners = graph.partners(f);
  if (!partners) return 0;
  let best = 0;
  for (const g of with_) {
    if (g === f) continue;
    const n = partners.get(g) ?? 0;
    if (n) best = Math.max(best, n / (Math.min(graph.count(f), graph.count(g)) + 1));
  }
  return best;
}

function wordShare(terms: string[], query: ReadonlySet<string>): number {
  if (!terms.length) return 0;
  let n = 0;
  for (const t of terms) if (query.has(t)) n++;
  return n / terms.length;
}

export function fileFeatures(ctx: RerankContext, f: string, score: number, max: number, rank: number): FeatureVector {
  const ords = ctx.ords(f) ?? [];
  const last = ords.length ? ords[ords.length - 1]! : -1;
  const slash = f.lastIndexOf('/');
  const part = (k: keyof RerankContext['parts']): number => ctx.parts[k].get(f) ?? 0;
  return [
    score / (max || 1),
    1 / (1 + rank),
    part('vote'),
    part('path'),
    part('recent'),
    part('struct'),
    Math.log1p(ctx.voters(f)),
    last < 0 ? Math.log1p(ctx.now) : Math.log1p(ctx.now - 1 - last),
    last === ctx.now - 1 ? 1 : 0,
    countSince(ords, ctx.now - 5),
    Math.log1p(countSince(ords, ctx.now - 20)),
    Math.log1p(ords.length),
    coShare(ctx.graph, f, ctx.lastFiles),
    coShare(ctx.graph, f, ctx.topFiles),
    wordShare(ctx.termsOf(f.slice(slash + 1).replace(/\.[A-Za-z0-9]{1,6}$/, '')), ctx.queryTerms),
    slash < 0 ? 0 : wordShare(ctx.termsOf(f.slice(0, slash).replace(/\//g, ' ')), ctx.queryTerms),
    testKey(f).isTest ? 1 : 0,
    1,
  ];
}

/**
 * Weights of RERANK_FEATURES, fitted on all six commit-replay histories by bench/recall-fit.py (pairwise
 * logistic loss; its leave-one-repo-out weights are in bench/results/recall-rerank.json). `[1, 0, 0, ...]`
 * is the first stage alone.
 */
export const RERANK_WEIGHTS: readonly number[] = [
  1.7232, 0.0953, 1.0917, 1.3226, -0.1557, -0.1841, 0.5486, -0.3474, 0.1852, 0.064, 0.081, -0.0556, 0.1222, 0.963,
  1.001, 0.71, -0.1466, 0.0,
];

export function rerankScore(x: FeatureVector, w: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * (w[i] ?? 0);
  return s;
}
