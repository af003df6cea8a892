#!/usr/bin/env node
// npm run bench, batch case: N scripted tasks over R throwaway repos, run by `sedge batch` at several
// concurrencies. Reports tasks per second, the driver's own CPU per task (sedge's process: compose, loop, SDK,
// files) and its children's CPU per task (git worktrees and diffs, the shell, the test runs), next to what
// one test run of the tasks costs. Results go to bench/results/batch.json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchEnv, makeFixRepo, median, startFixEndpoint, TEST_CMD } from './fix-task.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TASKS = Number(process.env.BENCH_BATCH_TASKS ?? 200);
const REPOS = Number(process.env.BENCH_BATCH_REPOS ?? 20);
const LEVELS = (process.env.BENCH_BATCH_CONCURRENCY ?? '1,4,8').split(',').map(Number);
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * Run a command in a wrapper that reports its own CPU (user+sys) and its reaped children's CPU
 * (from /proc/self/stat, Linux) when the command ends.
 */
const WRAPPER = `
const { spawnSync } = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');
const [out, mode, ...rest] = process.argv.slice(1);
const tick = 100;
const childCpu = () => { const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return ((Number(f[13]) + Number(f[14])) * 1000) / tick; };
(async () => {
  const t0 = performance.now();
  let code;
  if (mode === 'main') {
    const { main } = await import(rest[0]);
    code = await main(rest.slice(1));
  } else {
    code = spawnSync('bash', ['-c', rest[0]], { cwd: rest[1], stdio: 'ignore' }).status;
  }
  const u = process.cpuUsage();
  writeFileSync(out, JSON.stringify({ code, wall_ms: performance.now() - t0,
    self_cpu_ms: (u.user + u.system) / 1000, children_cpu_ms: childCpu() }));
  process.exit(0);
})();`;

function measured(env, outFile, ...args) {
  return new Promise((resolve, reject) => {
    // BENCH_BATCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the driver
    const nodeArgs = (process.env.BENCH_BATCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    // BENCH_BATCH_WRAP="strace -f -ff -o DIR/t" runs the measured process under another program
    const wrap = (process.env.BENCH_BATCH_WRAP ?? '').split(' ').filter(Boolean);
    const argv = [...wrap, process.execPath, ...nodeArgs, '-e', WRAPPER, outFile, ...args];
    const child = spawn(argv[0], argv.slice(1), {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', () => {
      try {
        resolve(JSON.parse(readFileSync(outFile, 'utf8')));
      } catch {
        reject(new Error(`measurement failed: ${err}`));
      }
    });
  });
}

/** A manifest whose every task has a repository (a tree) of its own. */
function ownManifest(work, n) {
  const file = join(work, 'own-tasks.jsonl');
  const lines = [];
  for (let i = 0; i < n; i++) {
    const dir = join(work, `own-${i}`);
    mkdirSync(dir);
    makeFixRepo(dir, `own ${i}`);
    lines.push(JSON.stringify({ id: `o${i}`, repo: dir, task: `make value.txt say good (${i})` }));
  }
  writeFileSync(file, lines.join('\n'));
  return file;
}

async function main() {
  if (spawnSync('sh', ['-c', 'test -r /proc/self/stat']).status !== 0) {
    console.log('bench batch: skipped (needs Linux /proc for child CPU)');
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'sedge-bench-batch-'));
  const endpoint = await startFixEndpoint();
  try {
    const repos = Array.from({ length: REPOS }, (_, i) => {
      const dir = join(work, `repo-${i}`);
      mkdirSync(dir);
      makeFixRepo(dir, i);
      return dir;
    });
    const manifest = join(work, 'tasks.jsonl');
    writeFileSync(
      manifest,
      Array.from({ length: TASKS }, (_, i) =>
        JSON.stringify({ id: `t${i}`, repo: repos[i % REPOS], task: `make value.txt say good (${i})` }),
      ).join('\n'),
    );
    const home = join(work, 'home');
    const env = { ...benchEnv(home, endpoint, 'sk-bench-0000000000'), LANG: 'C.UTF-8' };
    // one test run of a task's repo, alone: what the harness's cost is compared with. The wrapper reads its
    // reaped children's CPU, which includes what they reaped in turn (node --test's per-file child process).
    // Measured next to every level (5 runs before it, 5 after), so a level is compared with test runs made
    // under the same machine load.
    const testRuns = [];
    const measureTests = async (n) => {
      const runs = [];
      for (let i = 0; i < n; i++)
        runs.push(await measured(env, join(work, `test-${testRuns.length + i}.json`), 'cmd', TEST_CMD, repos[0]));
      testRuns.push(...runs);
      return runs;
    };
    const levels = [];
    // the levels over 20 repositories (10 tasks start from each tree: they share its test baseline), then one
    // level where every task has a tree of its own (200 repositories: a baseline and a check per task)
    const ownTrees = Number(process.env.BENCH_BATCH_OWN_TREES ?? 1);
    const runs = [
      ...LEVELS.map((concurrency) => ({ concurrency, manifest, shared: true })),
      ...(ownTrees ? [{ concurrency: ownTrees, manifest: ownManifest(work, TASKS), shared: false }] : []),
    ];
    for (const { concurrency, manifest, shared } of runs) {
      const out = join(work, `out-${concurrency}-${shared ? 'shared' : 'own'}`);
      const near = await measureTests(5);
      const m = await measured(
        env,
        join(work, `m-${concurrency}.json`),
        'main',
        join(root, 'dist', 'bin', 'main.js'),
        'batch',
        manifest,
        '--out',
        out,
        '--concurrency',
        String(concurrency),
        '--test-cmd',
        TEST_CMD,
        '--verify-rounds',
        '0',
        // e.g. BENCH_BATCH_ARGS="--no-verify" to see what a part of the task costs the harness
        ...(process.env.BENCH_BATCH_ARGS ?? '').split(' ').filter(Boolean),
      );
      near.push(...(await measureTests(5)));
      const testCpu = median(near.map((r) => r.children_cpu_ms));
      const testWall = median(near.map((r) => r.wall_ms));
      const summary = readFileSync(join(out, 'summary.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const done = summary.filter((s) => s.status === 'done').length;
      // wall time inside the tasks' commands: shell tool calls and test runs, from each task's events
      let commandMs = 0;
      let testRunsCount = 0;
      const own = { checkout: 0, finish: 0 };
      for (const s of summary) {
        own.checkout += s.timings.checkout_ms;
        own.finish += s.timings.finish_ms;
        for (const line of readFileSync(join(out, s.id, 'events.jsonl'), 'utf8').split('\n')) {
          if (!line) continue;
          const e = JSON.parse(line);
          if (e.type === 'verify_result') {
            commandMs += e.duration_ms;
            testRunsCount++;
          } else if (e.type === 'tool_end' && e.name === 'shell') commandMs += e.duration_ms;
        }
      }
      levels.push({
        concurrency,
        trees: shared ? `${REPOS} (${TASKS / REPOS} tasks each)` : `${TASKS} (one per task)`,
        tasks: summary.length,
        done,
        exit_code: m.code,
        wall_s: round(m.wall_ms / 1000, 2),
        tasks_per_s: round(summary.length / (m.wall_ms / 1000), 2),
        harness_cpu_ms_per_task: round(m.self_cpu_ms / summary.length),
        children_cpu_ms_per_task: round(m.children_cpu_ms / summary.length),
        command_wall_ms_per_task: round(commandMs / summary.length),
        gate_checks_per_task: round(testRunsCount / summary.length, 2),
        // the batch layer's own steps around each run (checkout; diff + cleanup + files), wall ms
        batch_steps_wall_ms_per_task: round((own.checkout + own.finish) / summary.length),
        checkout_wall_ms_per_task: round(own.checkout / summary.length),
        finish_wall_ms_per_task: round(own.finish / summary.length),
        batch_steps_vs_one_test_run_wall: round((own.checkout + own.finish) / summary.length / testWall, 3),
        one_test_run_cpu_ms: round(testCpu),
        harness_cpu_vs_one_test_run: round(m.self_cpu_ms / summary.length / testCpu, 2),
        harness_and_children_cpu_ms_per_task: round((m.self_cpu_ms + m.children_cpu_ms) / summary.length),
      });
      console.log(
        `batch c=${concurrency}${shared ? '' : ', a tree per task'}: ${summary.length} tasks (${done} done) in ${round(m.wall_ms / 1000, 1)} s = ` +
          `${round(summary.length / (m.wall_ms / 1000), 2)} tasks/s; harness CPU ${round(m.self_cpu_ms / summary.length)} ` +
          `ms/task, children CPU ${round(m.children_cpu_ms / summary.length)} ms/task, in commands ` +
          `${round(commandMs / summary.length)} ms/task; batch's own steps ` +
          `${round((own.checkout + own.finish) / summary.length)} ms/task wall; one test run nearby ${round(testCpu)} ms ` +
          `CPU: harness/test run = ${round(m.self_cpu_ms / summary.length / testCpu, 2)}`,
      );
    }
    const test = {
      command: TEST_CMD,
      wall_ms: round(median(testRuns.map((r) => r.wall_ms))),
      cpu_ms: round(median(testRuns.map((r) => r.children_cpu_ms))),
      runs: testRuns.length,
    };
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: (await import('node:os')).cpus().length,
      tasks: TASKS,
      repos: REPOS,
      one_test_run: test,
      note:
        'harness = the sedge batch process itself; children = the helper shells and the git they run, the ' +
        'shell and the test runs (the gate runs a check per task, and a baseline per tree: tasks that start from the same ' +
        'tree share it; the last level gives every task its own tree); commands = wall time inside ' +
        'shell calls and test runs; harness_cpu_vs_one_test_run compares with the median of 10 test runs ' +
        'measured right before and after that level (same machine load)',
      levels,
    };
    console.log(`one test run (${TEST_CMD}): ${test.wall_ms} ms wall, ${test.cpu_ms} ms CPU`);
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', 'batch.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    endpoint.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
