#!/usr/bin/env node
// npm run bench, best-of-N case: the wall time of `sedge exec --attempts 3` against `--attempts 1` on the same
// scripted task (turn 1 edits value.txt with sed, turn 2 finishes; the test gate runs `node --test` before and
// after the edit). The endpoint answers each request after a fixed delay, standing in for a model's latency.
// Attempts run in parallel, so 3 attempts should take well under 3 x one attempt. Results go to
// bench/results/attempts.json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_ATTEMPTS_RUNS ?? 3);
const LATENCY_MS = Number(process.env.BENCH_ATTEMPTS_LATENCY_MS ?? 800);
const TEST_CMD = 'node --test --test-reporter=dot test/';
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** An OpenAI-compatible endpoint: first turn a sed edit, then a final answer, each after LATENCY_MS. */
async function startEndpoint() {
  let requests = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests++;
      const request = JSON.parse(body);
      const first = !request.messages.some((m) => m.role === 'assistant');
      const base = { id: `c${requests}`, object: 'chat.completion.chunk', created: 0, model: 'bench' };
      const delta = first
        ? {
            tool_calls: [
              {
                index: 0,
                id: `call_${requests}`,
                type: 'function',
                function: { name: 'sed', arguments: JSON.stringify({ path: 'value.txt', script: 's/bad/good/' }) },
              },
            ],
          }
        : { content: 'value.txt says good now.' };
      const chunks = [
        { ...base, choices: [{ index: 0, delta: { role: 'assistant', ...delta }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: {}, finish_reason: first ? 'tool_calls' : 'stop' }] },
        { ...base, choices: [], usage: { prompt_tokens: 1000, completion_tokens: 50, total_tokens: 1050 } },
      ];
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`${chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('')}data: [DONE]\n\n`);
      }, LATENCY_MS);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/v1`, requests: () => requests, close: () => server.close() };
}

function git(cwd, ...args) {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

function makeRepo(dir) {
  mkdirSync(join(dir, 'test'), { recursive: true });
  writeFileSync(join(dir, 'value.txt'), 'bad\n');
  writeFileSync(
    join(dir, 'test', 'value.test.js'),
    "const { test } = require('node:test');\nconst assert = require('node:assert');\n" +
      "test('value is good', () => assert.match(require('node:fs').readFileSync('value.txt', 'utf8'), /good/));\n",
  );
  writeFileSync(join(dir, 'package.json'), '{"name":"bench-repo","private":true}\n');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, '-c', 'user.email=b@example.invalid', '-c', 'user.name=b', 'add', '-A');
  git(dir, '-c', 'user.email=b@example.invalid', '-c', 'user.name=b', 'commit', '-qm', 'init');
}

/** One `sedge exec --attempts N` in a fresh repo; returns its wall time in ms (the CLI process, start to exit). */
function runOnce(work, endpoint, attempts, i) {
  const repo = join(work, `repo-${attempts}-${i}`);
  mkdirSync(repo);
  makeRepo(repo);
  const home = join(work, `home-${attempts}-${i}`);
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_STATE_HOME: join(home, 'state'),
    XDG_CACHE_HOME: join(home, 'cache'),
    OPENAI_BASE_URL: endpoint.url,
    OPENAI_API_KEY: 'sk-bench-not-a-secret',
    SEDGE_MODEL: 'bench',
  };
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

const endpoint = await startEndpoint();
const work = mkdtempSync(join(tmpdir(), 'sedge-bench-attempts-'));
try {
  const times = { 1: [], 3: [] };
  await runOnce(work, endpoint, 1, 'warmup');
  // interleaved, so a busy moment on a shared machine hits both sides alike
  for (let i = 0; i < RUNS; i++) for (const n of [1, 3]) times[n].push(await runOnce(work, endpoint, n, i));
  const one = median(times[1]);
  const three = median(times[3]);
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
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'attempts.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `attempts: 1 attempt ${result.one_attempt_ms.median} ms, 3 attempts ${result.three_attempts_ms.median} ms ` +
      `(x${result.ratio_3_to_1}; serial would be ~${result.serial_would_be_ms} ms), ${result.cpus} CPUs, ` +
      `model latency ${LATENCY_MS} ms per turn`,
  );
} finally {
  endpoint.close();
  rmSync(work, { recursive: true, force: true });
}
