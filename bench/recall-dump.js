#!/usr/bin/env node
// The second stage's training data: every task of the six commit-replay histories with the first-stage
// candidate files and their features (src/traces/file-rerank.ts), labelled 1 when the task changed the file.
// A first line {features: [names]}, then one line per task: {repo, i, n (files of the task), c: [[label, ...features]]}. Fitted by bench/recall-fit.py.
// usage: npm run build && node bench/recall-dump.js OUT.jsonl
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.REPLAY_DIR ?? '/work/shared/data/commit-replay';
const { createRanker } = await import(`${root}/dist/traces/rank.js`);
const { replayQuery } = await import(`${root}/dist/traces/replay.js`);
const { RERANK_FEATURES } = await import(`${root}/dist/traces/file-rerank.js`);
const names = 'express,flask,hono,httpx,zod,fastify'.split(',');
const params = { rerankDepth: 60 };
const out = [JSON.stringify({ features: RERANK_FEATURES })];
for (const n of names) {
  const lines = readFileSync(join(dataDir, `${n}.jsonl`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(JSON.parse);
  const r = createRanker(params);
  for (const l of lines) {
    const text = replayQuery(l);
    if (l.i >= 50) {
      const task = new Set(l.files);
      const c = [];
      r.query({ text, limit: 10, fileLimit: 10, onFeatures: (f, x) => c.push([task.has(f) ? 1 : 0, ...x]) });
      out.push(JSON.stringify({ repo: n, i: l.i, n: task.size, c }));
    }
    r.add({ id: l.sha, text, files: l.files });
  }
}
writeFileSync(process.argv[2] ?? 'recall-features.jsonl', `${out.join('\n')}\n`);
