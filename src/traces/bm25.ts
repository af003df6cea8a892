/**
 * A small multi-field BM25+ index over pre-tokenised terms (the scoring of minisearch: k 1.2, b 0.7,
 * d 0.5, times the number of query terms matched), without its radix tree: 10,000 records load in
 * tens of milliseconds instead of most of a second, which is what recall at run start waits for.
 */

/** Ids are small non-negative integers (record ordinals, path ids): search uses arrays indexed by them. */
export interface Bm25Index {
  add(id: number, fields: string[][]): void;
  remove(id: number): void;
  /** id -> score for the terms (OR); boosts per field and per term; scores under minShare x the best one left out */
  search(
    terms: string[],
    fieldBoost: number[],
    termBoost?: (t: string) => number,
    minShare?: number,
  ): Map<number, number>;
  readonly size: number;
}

const K = 1.2;
const B = 0.7;
const D = 0.5;

export function createBm25(fieldCount: number): Bm25Index {
  const postings: Map<string, Map<number, number>>[] = Array.from({ length: fieldCount }, () => new Map());
  const lengths = new Map<number, number[]>();
  const docTerms = new Map<number, string[][]>();
  const totals = new Array<number>(fieldCount).fill(0);
  /** per field: id -> length (dense arrays: the hot loop of search reads them) */
  const fieldLengths: number[][] = Array.from({ length: fieldCount }, () => []);
  let maxId = 0;

  function add(id: number, fields: string[][]): void {
    if (docTerms.has(id)) remove(id);
    const lens: number[] = [];
    const kept: string[][] = [];
    for (let f = 0; f < fieldCount; f++) {
      const terms = fields[f] ?? [];
      lens.push(terms.length);
      totals[f]! += terms.length;
      const uniq = new Map<string, number>();
      for (const t of terms) uniq.set(t, (uniq.get(t) ?? 0) + 1);
      for (const [t, tf] of uniq) {
        let m = postings[f]!.get(t);
        if (!m) postings[f]!.set(t, (m = new Map()));
        m.set(id, tf);
      }
      kept.push([...uniq.keys()]);
    }
    lengths.set(id, lens);
    docTerms.set(id, kept);
    for (let f = 0; f < fieldCount; f++) fieldLengths[f]![id] = lens[f]!;
    if (id > maxId) maxId = id;
  }

  function remove(id: number): void {
    const kept = docTerms.get(id);
    if (!kept) return;
    const lens = lengths.get(id)!;
    for (let f = 0; f < fieldCount; f++) {
      totals[f]! -= lens[f]!;
      for (const t of kept[f]!) {
        const m = postings[f]!.get(t);
        m?.delete(id);
        if (m && m.size === 0) postings[f]!.delete(t);
      }
    }
    lengths.delete(id);
    docTerms.delete(id);
  }

  function search(
    terms: string[],
    fieldBoost: number[],
    termBoost?: (t: string) => number,
    minShare = 0,
  ): Map<number, number> {
    const n = docTerms.size;
    const out = new Map<number, number>();
    if (!n) return out;
    // dense scratch arrays indexed by id (ids are small integers: record ordinals, path ids)
    const sc = new Float64Array(maxId + 1);
    const matched = new Uint16Array(maxId + 1);
    const stamp = new Uint32Array(maxId + 1);
    const touched: number[] = [];
    let ti = 0;
    for (const t of new Set(terms)) {
      ti++;
      const tb = termBoost ? termBoost(t) : 1;
      for (let f = 0; f < fieldCount; f++) {
        const m = postings[f]!.get(t);
        const boost = fieldBoost[f] ?? 0;
        if (!m || !boost) continue;
        const idf = Math.log(1 + (n - m.size + 0.5) / (m.size + 0.5));
        const avg = totals[f]! / n || 1;
        const lens = fieldLengths[f]!;
        const w = tb * boost * idf;
        for (const [id, tf] of m) {
          const s = w * (D + (tf * (K + 1)) / (tf + K * (1 - B + (B * lens[id]!) / avg)));
          if (sc[id] === 0 && matched[id] === 0) touched.push(id);
          sc[id]! += s;
          if (stamp[id] !== ti) {
            stamp[id] = ti;
            matched[id]!++;
          }
        }
      }
    }
    let max = 0;
    for (const id of touched) {
      sc[id] = sc[id]! * (matched[id] || 1);
      if (sc[id]! > max) max = sc[id]!;
    }
    const floor = max * minShare;
    for (const id of touched) if (sc[id]! >= floor) out.set(id, sc[id]!);
    return out;
  }

  return {
    add,
    remove,
    search,
    get size() {
      return docTerms.size;
    },
  };
}
