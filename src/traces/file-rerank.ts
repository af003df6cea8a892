/**
 * Second stage of the file ranking: the best first-stage candidates re-scored by a linear model over
 * features the index already keeps (first-stage evidence split by kind, recency and frequency of
 * change, co-change with the latest records and with the best trace, path words shared with the
 * task). One global weight vector, fitted by leave-one-repo-out over the commit-replay histories
 * (bench/recall-fit.py); nothing here is per repository.
 */
import type { FileGraph } from './file-graph.js';
import { testKey } from './file-graph.js';
import { type TreeEnsemble, treeScore } from './rerank-trees.js';

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
  'best', // text score of the best voting trace that changed it / best text score
  'bestRank', // 1 / (1 + rank of the best voting trace that changed it)
  'top5', // how many of the 5 best traces changed it
  'coTop3', // summed co-change share with the files of the 3 best traces
  'coHead', // co-change share with the 3 best first-stage files
  'pairHead', // test <-> source counterpart of one of the 3 best first-stage files
  'dirHead', // share of the 10 best first-stage files in its directory
  'sibRecent', // files of its directory changed in the latest 5 records
  'testQ', // test file and the task speaks of tests
  'docFile', // documentation / text file
  'docQ', // documentation file and the task speaks of docs
  'typesFile', // type declarations (.d.ts, types.*)
  'typesQ', // type file and the task speaks of types
  'kindP', // share of earlier tasks of this task's type (first word) that changed a file of its kind
  'kindBase', // share of all earlier tasks that changed a file of its kind
  'areaP', // the same for its area (top directory, test or not)
  'areaBase',
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
  /** what the path alone says (pathFacts), cached by the ranker */
  facts(f: string): PathFacts;
  /** first-stage components by kind, max-normalised per query */
  parts: Record<'vote' | 'path' | 'recent' | 'struct', ReadonlyMap<string, number>>;
  voters(f: string): number;
  /** best (normalised) text score and rank of the voting traces that changed the file */
  best(f: string): { score: number; rank: number } | undefined;
  /** files of the 3 best traces (the first of them is topFiles) */
  top3Files: readonly (readonly string[])[];
  top5Count(f: string): number;
  /** the best first-stage files */
  head: readonly string[];
  /** test <-> source counterparts of the head files */
  headPairs: ReadonlySet<string>;
  /** directories of the 10 best first-stage files */
  headDirs: readonly string[];
  /** directory -> files of it changed in the latest 5 records */
  recentDirs: ReadonlyMap<string, number>;
  /** words of the raw task text (task-type words such as test, docs, types are stop words elsewhere) */
  kinds: { test: boolean; docs: boolean; types: boolean };
  /** kind-prior.ts: [P(kind | task type), P(kind), P(area | task type), P(area)] */
  prior(f: string): [number, number, number, number];
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

function coSum(graph: FileGraph, f: string, sets: readonly (readonly string[])[]): number {
  let s = 0;
  for (const files of sets) s += coShare(graph, f, files);
  return s;
}

function count(xs: readonly string[], x: string): number {
  let n = 0;
  for (const y of xs) if (y === x) n++;
  return n;
}

function wordShare(terms: string[], query: ReadonlySet<string>): number {
  if (!terms.length) return 0;
  let n = 0;
  for (const t of terms) if (query.has(t)) n++;
  return n / terms.length;
}

export const dirOf = (f: string): string => f.slice(0, Math.max(0, f.lastIndexOf('/')));
const DOC = /\.(md|mdx|rst|txt|adoc)$/i;
const TYPES = /\.d\.ts$|(^|\/)types?(\.[a-z]+|\/)/i;

/** directory -> files of it changed by the records with ordinals from..to-1 */
export function dirCounts(
  records: ReadonlyMap<number, { files: readonly string[] }>,
  from: number,
  to: number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (let ord = Math.max(0, from); ord < to; ord++) {
    for (const f of records.get(ord)?.files ?? []) out.set(dirOf(f), (out.get(dirOf(f)) ?? 0) + 1);
  }
  return out;
}

/** Task-type words of the raw task text. */
export function taskKinds(text: string): RerankContext['kinds'] {
  const t = text.toLowerCase();
  return {
    test: /\btest(s|ing)?\b|\bspec\b|coverage/.test(t),
    docs: /\bdocs?\b|readme|documentation|typo|\bguide/.test(t),
    types: /\btypes?\b|typing|typescript|\.d\.ts|\btsd?\b/.test(t),
  };
}

/** What a path alone says, for the features: computed once per path. */
export interface PathFacts {
  /** words of its basename (no extension) and of its directories */
  base: string[];
  dirTerms: string[];
  dir: string;
  isTest: boolean;
  doc: boolean;
  types: boolean;
}

export function pathFacts(f: string, termsOf: (segment: string) => string[]): PathFacts {
  const slash = f.lastIndexOf('/');
  return {
    base: termsOf(f.slice(slash + 1).replace(/\.[A-Za-z0-9]{1,6}$/, '')),
    dirTerms: slash < 0 ? [] : termsOf(f.slice(0, slash).replace(/\//g, ' ')),
    dir: dirOf(f),
    isTest: testKey(f).isTest,
    doc: DOC.test(f),
    types: TYPES.test(f),
  };
}

export function fileFeatures(ctx: RerankContext, f: string, score: number, max: number, rank: number): FeatureVector {
  const ords = ctx.ords(f) ?? [];
  const last = ords.length ? ords[ords.length - 1]! : -1;
  const part = (k: keyof RerankContext['parts']): number => ctx.parts[k].get(f) ?? 0;
  const { base, dirTerms, dir, isTest, doc, types } = ctx.facts(f);
  const best = ctx.best(f);
  const [kindP, kindBase, areaP, areaBase] = ctx.prior(f);
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
    wordShare(base, ctx.queryTerms),
    wordShare(dirTerms, ctx.queryTerms),
    isTest ? 1 : 0,
    1,
    best?.score ?? 0,
    best ? 1 / (1 + best.rank) : 0,
    ctx.top5Count(f),
    coSum(ctx.graph, f, ctx.top3Files),
    coShare(ctx.graph, f, ctx.head),
    ctx.headPairs.has(f) ? 1 : 0,
    ctx.headDirs.length ? count(ctx.headDirs, dir) / ctx.headDirs.length : 0,
    Math.log1p(ctx.recentDirs.get(dir) ?? 0),
    isTest && ctx.kinds.test ? 1 : 0,
    doc ? 1 : 0,
    doc && ctx.kinds.docs ? 1 : 0,
    types ? 1 : 0,
    types && ctx.kinds.types ? 1 : 0,
    kindP,
    kindBase,
    areaP,
    areaBase,
  ];
}

/** The second stage's score of a candidate: the fitted tree ensemble (rerank-model.ts) over its features. */
export function rerankScore(x: FeatureVector, model: TreeEnsemble): number {
  return treeScore(x, model);
}
