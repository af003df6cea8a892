#!/usr/bin/env node
// npm run bench, best-of-N case: the wall time of `sedge exec --attempts 3` against `--attempts 1` on the same
// scripted task (turn 1 edits value.txt with sed, turn 2 finishes; the test gate runs `node --test` before and
// after the edit). The endpoint answers each request after a fixed delay, standing in for a model's latency.
// Attempts run in parallel, so 3 attempts should take well under 3 x one attempt. The same pair is measured
// through `sedge batch --attempts N` (one task; the attempts go through the same code). Results go to
// bench/results/attempts.json.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchEnv, makeFixRepo, median, startFixEndpoint, TEST_CMD } from './fix-task.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_ATTEMPTS_RUNS ?? 3);
const LATENCY_MS = Number(process.env.BENCH_ATTEMPTS_LATENCY_MS ?? 800);
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** One `sedge exec --attempts N` in a fresh repo; returns its wall time in ms (the CLI process, start to exit). */
function runOnce(work, endpoint, attempts, i) {
  const repo = join(work, `repo-${attempts}-${i}`);
  mkdirSync(repo);
  makeFixRepo(repo);
  const home = join(work, `home-${attempts}-${i}`);
  const env = benchEnv(home, endpoint);
  const args = ['exec', '--json', '--no-recall', '--test-cmd', TEST_CMD, '--attempts', String(attempts), 'fix value'];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(root, 'bin', 'sedge.js'), ...args], { cwd: repo, env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      const summary = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
      const value = readFileSync(join(repo, 'value.txt'), 'utf8');
      if (code !== 0 || !summary.applied || value !== 'good\n')
        return reject(new Error(`attempts=${attempts}: exit ${code}, applied ${summary.applied}, value ${value}`));
      resolve(ms);
    });
  });
}

/** One `sedge batch TASKS --attempts N` of a single task in a fresh repo; its wall time in ms. */
function runBatchOnce(work, endpoint, attempts, i) {
  const repo = join(work, `brepo-${attempts}-${i}`);
  mkdirSync(repo);
  makeFixRepo(repo);
  const home = join(work, `bhome-${attempts}-${i}`);
  const env = benchEnv(home, endpoint);
  const tasks = join(work, `tasks-${attempts}-${i}.jsonl`);
  writeFileSync(tasks, `${JSON.stringify({ id: 't', repo, task: 'fix value', test_cmd: TEST_CMD })}\n`);
  const out = join(work, `out-${attempts}-${i}`);
  const args = ['batch', tasks, '--out', out, '--no-recall', '--attempts', String(attempts)];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(root, 'bin', 'sedge.js'), ...args], { cwd: work, env });
    child.stdout.resume();
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      const result = JSON.parse(readFileSync(join(out, 't', 'result.json'), 'utf8'));
      const patch = readFileSync(join(out, 't', 'patch.diff'), 'utf8');
      if (code !== 0 || result.attempts?.list?.length !== attempts || !patch.includes('+good'))
        return reject(new Error(`batch attempts=${attempts}: exit ${code}, status ${result.status}`));
      resolve(ms);
    });
  });
}

const endpoint = await startFixEndpoint({ latencyMs: LATENCY_MS });
const work = mkdtempSync(join(tmpdir(), 'sedge-bench-attempts-'));
try {
  const times = { 1: [], 3: [] };
  await runOnce(work, endpoint, 1, 'warmup');
  // interleaved, so a busy moment on a shared machine hits both sides alike
  for (let i = 0; i < RUNS; i++) for (const n of [1, 3]) times[n].push(await runOnce(work, endpoint, n, i));
  const one = median(times[1]);
  const three = median(times[3]);
  const batchTimes = { 1: [], 3: [] };
  for (let i = 0; i < RUNS; i++) for (const n of [1, 3]) batchTimes[n].push(await runBatchOnce(work, endpoint, n, i));
  const bOne = median(batchTimes[1]);
  const bThree = median(batchTimes[3]);
  const result = {
    bench: 'attempts',
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    runs: RUNS,
    model_latency_ms: LATENCY_MS,
    test_cmd: TEST_CMD,
    one_attempt_ms: { median: Math.round(one), all: times[1].map(Math.round) },
    three_attempts_ms: { median: Math.round(three), all: times[3].map(Math.round) },
    ratio_3_to_1: round(three / one),
    serial_would_be_ms: Math.round(3 * one),
    batch: {
      one_attempt_ms: { median: Math.round(bOne), all: batchTimes[1].map(Math.round) },
      three_attempts_ms: { median: Math.round(bThree), all: batchTimes[3].map(Math.round) },
      ratio_3_to_1: round(bThree / bOne),
    },
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'attempts.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `attempts: 1 attempt ${result.one_attempt_ms.median} ms, 3 attempts ${result.three_attempts_ms.median} ms ` +
      `(x${result.ratio_3_to_1}; serial would be ~${result.serial_would_be_ms} ms), ${result.cpus} CPUs, ` +
      `model latency ${LATENCY_MS} ms per turn`,
  );
  console.log(
    `attempts (batch, one task): 1 attempt ${result.batch.one_attempt_ms.median} ms, 3 attempts ` +
      `${result.batch.three_attempts_ms.median} ms (x${result.batch.ratio_3_to_1})`,
  );
} finally {
  endpoint.close();
  rmSync(work, { recursive: true, force: true });
}
