// Leave-one-repo-out check for bench/recall.js: the ranker over each history for a small grid of parameter sets
// around the defaults; for each repository the set that scores best on the OTHER histories is applied to it,
// with the file re-ranker (trees) fitted on the other five (bench/results/recall-rerank.json, from
// bench/recall-fit.py). If the defaults were fitted to the data, the held-out figures fall below the tuned ones.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const GRID = [
  {},
  { coWeight: 0, pairWeight: 0 },
  { coWeight: 1 },
  { pathWeight: 1 },
  { pathWeight: 0.5 },
  { recentWeight: 0.25 },
  { voters: 30 },
  { coverWeight: 1 },
  { coverGamma: 1 },
  { coverWeight: 0 },
];

/** hit@5 and file_recall@10 of createRanker(params) replayed over one history (tasks from line 50 on). */
export function scoreHistory(createRanker, replayQuery, lines, params) {
  const ranker = createRanker(params);
  const filesOf = new Map();
  let hit = 0;
  let fr = 0;
  let n = 0;
  for (const l of lines) {
    const text = replayQuery(l);
    if (l.i >= 50) {
      const out = ranker.query({ text, limit: 10, fileLimit: 10 });
      const task = new Set(l.files);
      if (out.traces.slice(0, 5).some((t) => (filesOf.get(t.id) ?? []).some((f) => task.has(f)))) hit++;
      const top = new Set(out.files.map((f) => f.path));
      fr += [...task].filter((f) => top.has(f)).length / task.size;
      n++;
    }
    ranker.add({ id: l.sha, text, files: l.files });
    filesOf.set(l.sha, l.files);
  }
  return { hit5: hit / n, file_recall10: fr / n };
}

export async function loro(root, dataDir, names) {
  const { createRanker } = await import(join(root, 'dist/traces/rank.js'));
  const { replayQuery } = await import(join(root, 'dist/traces/replay.js'));
  const lines = Object.fromEntries(
    names.map((n) => [
      n,
      readFileSync(join(dataDir, `${n}.jsonl`), 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l)),
    ]),
  );
  const fitted = join(root, 'bench/results/recall-rerank.json');
  const heldOut = existsSync(fitted) ? JSON.parse(readFileSync(fitted, 'utf8')).held_out : {};
  // the held-out repository is scored with a re-ranker fitted without it
  const depth = existsSync(fitted) ? JSON.parse(readFileSync(fitted, 'utf8')).depth : 0;
  const withHeld = (n, params) => (heldOut[n] ? { ...params, rerankModel: { depth, trees: heldOut[n] } } : params);
  const table = GRID.map((params) =>
    Object.fromEntries(names.map((n) => [n, scoreHistory(createRanker, replayQuery, lines[n], params)])),
  );
  const tableHeld = GRID.map((params) =>
    Object.fromEntries(names.map((n) => [n, scoreHistory(createRanker, replayQuery, lines[n], withHeld(n, params))])),
  );
  const objective = (m) => m.hit5 + m.file_recall10;
  const out = {};
  for (const held of names) {
    let best = 0;
    let bestScore = -1;
    table.forEach((row, g) => {
      const s = names.filter((n) => n !== held).reduce((a, n) => a + objective(row[n]), 0);
      if (s > bestScore) {
        bestScore = s;
        best = g;
      }
    });
    out[held] = { params: GRID[best], ...tableHeld[best][held], defaults: table[0][held] };
  }
  return out;
}
