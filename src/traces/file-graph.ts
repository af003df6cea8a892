/**
 * What the history says about the repository's files, kept incrementally as records are added:
 * which files change together (co-change counts) and which test file belongs to which source file
 * (`test/foo.test.ts` <-> `src/foo.ts`, `tests/test_foo.py` <-> `pkg/foo.py`). Adding a record costs
 * O(files in it): records with more than `maxFiles` files (mass renames, formatting) add no pairs.
 */
import type { FileWhy, RankParams } from './rank.js';
import { topK } from './top-k.js';

export interface FileGraph {
  add(files: readonly string[]): void;
  remove(files: readonly string[]): void;
  /** files changed together with f -> how many records changed both */
  partners(f: string): ReadonlyMap<string, number> | undefined;
  /** records (of at most maxFiles files) that changed f */
  count(f: string): number;
  /** the test file(s) of a source file, or the source file(s) of a test file, among known paths */
  counterparts(f: string): string[];
}

const TEST_DIR = /(^|\/)(tests?|__tests__|specs?|testing)\//;
const TEST_NAME = /^test[_-]|[_.-]test$|[_.-]spec$|[_.-]tests$/;

/** The basename with extensions and test affixes removed, and whether the path is a test. */
export function testKey(path: string): { key: string; isTest: boolean } {
  const name = (path.slice(path.lastIndexOf('/') + 1).split('.')[0] ?? '').toLowerCase();
  const full = path.slice(path.lastIndexOf('/') + 1).replace(/\.[A-Za-z0-9]{1,6}$/, '');
  const isTest = TEST_DIR.test(path) || TEST_NAME.test(full.toLowerCase());
  const key = isTest ? full.toLowerCase().replace(TEST_NAME, '') : name;
  return { key, isTest };
}

export function createFileGraph(maxFiles = 12, maxCounterparts = 3): FileGraph {
  const co = new Map<string, Map<string, number>>();
  const counts = new Map<string, number>();
  const byKey = new Map<string, { tests: Set<string>; sources: Set<string> }>();
  const keyed = new Set<string>();

  function index(f: string): void {
    if (keyed.has(f)) return;
    keyed.add(f);
    const { key, isTest } = testKey(f);
    if (key.length < 2 || key === 'index' || key === 'init' || key === '__init__') return;
    let slot = byKey.get(key);
    if (!slot) byKey.set(key, (slot = { tests: new Set(), sources: new Set() }));
    (isTest ? slot.tests : slot.sources).add(f);
  }

  function change(files: readonly string[], by: number): void {
    const uniq = [...new Set(files)];
    for (const f of uniq) if (by > 0) index(f);
    if (uniq.length > maxFiles) return;
    for (const f of uniq) {
      counts.set(f, (counts.get(f) ?? 0) + by);
      let m = co.get(f);
      if (!m) co.set(f, (m = new Map()));
      for (const g of uniq) {
        if (g === f) continue;
        const n = (m.get(g) ?? 0) + by;
        if (n > 0) m.set(g, n);
        else m.delete(g);
      }
    }
  }

  return {
    add: (files) => change(files, 1),
    remove: (files) => change(files, -1),
    partners: (f) => co.get(f),
    count: (f) => counts.get(f) ?? 0,
    counterparts(f) {
      const { key, isTest } = testKey(f);
      const slot = byKey.get(key);
      if (!slot) return [];
      const other = isTest ? slot.sources : slot.tests;
      return other.size <= maxCounterparts ? [...other] : [];
    },
  };
}

/**
 * Structure evidence from the top files: their co-change partners (by the share of the seed's
 * tasks that also changed the partner) and their test <-> source counterparts.
 */
export function spreadStructure(
  graph: FileGraph,
  p: Pick<RankParams, 'coWeight' | 'coSeeds' | 'pairWeight'>,
  fileScore: Map<string, number>,
  whyOf: (f: string) => FileWhy,
  bump: (f: string, s: number) => boolean,
): void {
  if (p.coWeight <= 0 && p.pairWeight <= 0) return;
  const seeds = topK(fileScore, p.coSeeds);
  const max = seeds[0]?.[1] ?? 1;
  const add = new Map<string, { s: number; from: string; n: number; pair?: boolean }>();
  const offer = (f: string, s: number, from: string, n: number, pair?: boolean): void => {
    const cur = add.get(f);
    if (!cur) add.set(f, { s, from, n, pair });
    else {
      if (s > cur.s) Object.assign(cur, { from, n, pair });
      cur.s = Math.max(cur.s, s) + 0.25 * Math.min(cur.s, s);
    }
  };
  for (const [seed, score] of seeds) {
    const rel = score / max;
    const total = graph.count(seed);
    if (p.coWeight > 0 && total > 0) {
      for (const [g, n] of graph.partners(seed) ?? []) {
        if (n >= 2) offer(g, (p.coWeight * rel * n) / (Math.min(total, graph.count(g)) + 1), seed, n);
      }
    }
    if (p.pairWeight > 0) for (const g of graph.counterparts(seed)) offer(g, p.pairWeight * rel, seed, 0, true);
  }
  for (const [f, { s, from, n, pair }] of add) {
    // a reason for files below the file they are explained by (the top file has stronger ones)
    const below = (fileScore.get(f) ?? 0) < (fileScore.get(from) ?? 0);
    if (!bump(f, s) || !below) continue;
    const w = whyOf(f);
    if (pair) w.pair ??= { of: from, isTest: testKey(f).isTest };
    else w.cochanged ??= { with: from, n };
  }
}
