/**
 * Which traces make the top of the list: greedily, the one whose relevance (its score over the best, less a
 * share for files higher traces already changed) plus its marginal coverage of the likely files is highest.
 * A trace is useful when it changed a file the task will need, so five traces about the top file waste four
 * slots that could each cover another likely file.
 */
import type { RankParams } from './rank.js';

export function chooseTraces(
  cands: readonly [number, number][],
  limit: number,
  /** likely file -> its weight (by its rank in the file list) */
  likely: ReadonlyMap<string, number>,
  filesOf: (ord: number) => readonly string[],
  p: Pick<RankParams, 'diversity' | 'coverWeight'>,
): [number, number][] {
  if (p.diversity <= 0 && p.coverWeight <= 0) return cands.slice(0, limit);
  const top = cands[0]?.[1] || 1;
  const covered = new Set<string>();
  const pool = [...cands];
  const out: [number, number][] = [];
  while (out.length < limit && pool.length) {
    let bi = 0;
    let bs = -Infinity;
    for (let i = 0; i < pool.length; i++) {
      const [ord, s] = pool[i]!;
      const files = filesOf(ord);
      let inCovered = 0;
      let gain = 0;
      for (const f of files) {
        if (covered.has(f)) inCovered++;
        else gain += likely.get(f) ?? 0;
      }
      const overlap = files.length ? inCovered / files.length : 1;
      const adj = (s / top) * (1 - p.diversity * overlap) + p.coverWeight * gain;
      if (adj > bs) {
        bs = adj;
        bi = i;
      }
    }
    const [pick] = pool.splice(bi, 1);
    out.push(pick!);
    for (const f of filesOf(pick![0])) covered.add(f);
  }
  return out;
}
