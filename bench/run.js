#!/usr/bin/env node
// npm run bench: startup, per-step harness overhead, fixed prefix tokens and peak RSS, each next to a
// bare baseline measured in the same run. Medians. Results go to bench/results/.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixedPrefixTokens } from './prefix.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const STEPS = Number(process.env.BENCH_STEPS ?? 200);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** A local OpenAI-compatible endpoint that notes when each request arrives and answers "done". */
async function startEndpoint() {
  const arrivals = [];
  const server = createServer((req, res) => {
    arrivals.push({ at: performance.now() + performance.timeOrigin, pid: Number(req.headers['x-bench-pid'] ?? 0) });
    req.resume();
    req.on('end', () => {
      const chunk = {
        id: 'b',
        object: 'chat.completion.chunk',
        created: 0,
        model: 'bench',
        choices: [{ index: 0, delta: { content: 'done' }, finish_reason: 'stop' }],
      };
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/v1`, arrivals, close: () => server.close() };
}

function run(cmd, args, env, onSpawn) {
  return new Promise((resolve) => {
    const t0 = performance.now() + performance.timeOrigin;
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    onSpawn?.(child);
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ t0, code, err }));
  });
}

/** Peak RSS (VmHWM) of a live process, sampled until it exits. */
function watchPeak(pid) {
  let peak = 0;
  const sample = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {
      /* exited */
    }
  };
  const timer = setInterval(sample, 2);
  return { stop: () => (clearInterval(timer), sample(), peak), sample };
}

async function startupAndRss(endpoint, home, repo) {
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_STATE_HOME: join(home, 's'),
    XDG_CACHE_HOME: join(home, 'c'),
    XDG_CONFIG_HOME: join(home, 'f'),
    OPENAI_BASE_URL: endpoint.url,
    OPENAI_API_KEY: 'sk-bench',
  };
  const sedge = [];
  const bare = [];
  // BENCH_COMPARE=/path/to/other/bin/sedge.js: another build (say, the previous commit's) measured in the same
  // loop, one run of each in turn, so both face the same machine load
  const other = [];
  const compare = process.env.BENCH_COMPARE;
  const rssSedge = [];
  const rssBare = [];
  // Bare baseline: node starts and sends the same kind of HTTP request (no SDK, no sedge).
  const bareScript = `fetch(${JSON.stringify(`${endpoint.url}/chat/completions`)}, { method: 'POST', body: '{}' }).then((r) => r.text())`;
  for (let i = 0; i < RUNS + 2; i++) {
    for (const which of compare ? ['sedge', 'bare', 'other'] : ['sedge', 'bare']) {
      const before = endpoint.arrivals.length;
      let watch;
      const bin = which === 'other' ? compare : join(root, 'bin', 'sedge.js');
      const args =
        which === 'bare'
          ? ['-e', bareScript]
          : [bin, 'exec', '--json', '--no-verify', '--no-recall', '-C', repo, 'say done'];
      const r = await run(process.execPath, args, env, (child) => (watch = watchPeak(child.pid)));
      const peak = watch.stop();
      if (r.code !== 0) throw new Error(`${which} run failed (${r.code}): ${r.err}`);
      const arrival = endpoint.arrivals[before];
      if (!arrival) throw new Error(`${which} never reached the endpoint`);
      if (i < 2) continue; // warm-up
      if (which === 'other') {
        other.push(arrival.at - r.t0);
        continue;
      }
      (which === 'sedge' ? sedge : bare).push(arrival.at - r.t0);
      (which === 'sedge' ? rssSedge : rssBare).push(peak);
    }
  }
  return { sedge, bare, other, rssSedge, rssBare };
}

async function overhead(repo) {
  const { createShellSession } = await import(join(root, 'dist', 'exec', 'pty.js'));
  const { runAgent } = await import(join(root, 'dist', 'agent', 'loop.js'));
  const { createReplayModel } = await import(join(root, 'dist', 'model', 'replay.js'));
  const { createShellTool } = await import(join(root, 'dist', 'tools', 'shell.js'));
  const { createToolset } = await import(join(root, 'dist', 'tools', 'tool.js'));

  // Baseline: the same command straight through the persistent shell, no loop, no model, no wrapper.
  const session = createShellSession({ cwd: repo });
  const bare = [];
  for (let i = 0; i < STEPS + 10; i++) {
    const t = performance.now();
    await session.run('true', { timeoutMs: 10_000 });
    if (i >= 10) bare.push(performance.now() - t);
  }
  await session.dispose();

  // The loop: a replayed model asks for the same command every step.
  const turns = Array.from({ length: STEPS + 10 }, () => ({
    tool_calls: [{ name: 'shell', arguments: { command: 'true' } }],
  }));
  turns.push({ text: 'done' });
  const tools = createToolset([createShellTool({ workspace: repo })]);
  const deps = {
    model: createReplayModel(turns, { id: 'bench' }),
    tools,
    system: 'bench',
    cwd: repo,
    sessionId: 'bench',
    limits: { maxSteps: STEPS + 20 },
  };
  const steps = [];
  let last = null;
  let n = 0;
  for await (const e of runAgent('bench', deps, new AbortController().signal)) {
    if (e.type === 'step_start') {
      const now = performance.now();
      if (last !== null && n > 10) steps.push(now - last);
      last = now;
      n++;
    }
  }
  await tools.dispose();
  return { steps, bare };
}

async function main() {
  const home = mkdtempSync(join(tmpdir(), 'sedge-bench-'));
  const repo = join(home, 'repo');
  mkdirSync(repo);
  // A real git repo, so the per-repo trace store is opened and recall runs, as for a user.
  writeFileSync(join(repo, 'README.md'), '# bench\n');
  for (const args of [
    ['init', '-q'],
    ['add', '-A'],
    ['-c', 'user.name=b', '-c', 'user.email=b@b.invalid', 'commit', '-q', '-m', 'init'],
  ]) {
    spawnSync('git', args, { cwd: repo });
  }
  const endpoint = await startEndpoint();
  try {
    const s = await startupAndRss(endpoint, home, repo);
    const o = await overhead(repo);
    const { createShellTool } = await import(join(root, 'dist', 'tools', 'shell.js'));
    const { createGrepTool } = await import(join(root, 'dist', 'tools', 'grep.js'));
    const { createSedTool } = await import(join(root, 'dist', 'tools', 'sed.js'));
    const { createThinkTool } = await import(join(root, 'dist', 'tools', 'think.js'));
    const four = [
      createShellTool({ workspace: repo }),
      createGrepTool({ workspace: repo }),
      createSedTool({ workspace: repo }),
      createThinkTool(),
    ];
    const prefix = fixedPrefixTokens(four);
    const { createRecallTool } = await import(join(root, 'dist', 'traces', 'recall-tool.js'));
    const withRecall = fixedPrefixTokens([...four, createRecallTool({ store: { search: () => [] }, repoRoot: repo })]);

    const compare = process.env.BENCH_COMPARE;
    const startup = {
      median_ms: round(median(s.sedge)),
      bare_node_ms: round(median(s.bare)),
      ratio: round(median(s.sedge) / median(s.bare), 2),
      runs: RUNS,
      target_ms: 200,
      ...(compare
        ? {
            compared_build: compare,
            compared_median_ms: round(median(s.other)),
            compared_ratio: round(median(s.other) / median(s.bare), 2),
          }
        : {}),
    };
    const perStep = {
      median_step_ms: round(median(o.steps), 2),
      bare_command_ms: round(median(o.bare), 2),
      overhead_ms: round(median(o.steps) - median(o.bare), 2),
      steps: o.steps.length,
      target_ms: 5,
    };
    const rss = {
      median_peak_mb: round(median(s.rssSedge)),
      bare_node_mb: round(median(s.rssBare)),
      ratio: round(median(s.rssSedge) / median(s.rssBare), 2),
      target_mb: 100,
    };
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: (await import('node:os')).cpus().length,
      startup,
      per_step: perStep,
      fixed_prefix_tokens: { ...prefix, with_recall_tool: withRecall.total, target: 1000 },
      peak_rss: rss,
    };
    const verdict = (ok) => (ok ? 'ok' : 'OVER TARGET');
    const lines = [
      `startup to first model request: ${startup.median_ms} ms median (bare node + HTTP: ${startup.bare_node_ms} ms, ratio ${startup.ratio}) [target ≤ 200 ms: ${verdict(startup.median_ms <= 200)}]`,
      ...(compare
        ? [`  the other build (${compare}): ${startup.compared_median_ms} ms median, ratio ${startup.compared_ratio}`]
        : []),
      `harness overhead per step: ${perStep.overhead_ms} ms (step ${perStep.median_step_ms} ms vs bare command ${perStep.bare_command_ms} ms, ${perStep.steps} steps) [target ≤ 5 ms: ${verdict(perStep.overhead_ms <= 5)}]`,
      `fixed prefix: ${prefix.total} tokens (system ${prefix.system} + 4 tools ${prefix.tools}; ${withRecall.total} with the recall tool) [target ≤ 1000: ${verdict(prefix.total <= 1000)}]`,
      `peak RSS: ${rss.median_peak_mb} MB median (bare node: ${rss.bare_node_mb} MB, ratio ${rss.ratio}) [target ≤ 100 MB: ${verdict(rss.median_peak_mb <= 100)}]`,
    ];
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', 'core.json'), `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${lines.join('\n')}\nwritten to bench/results/core.json\n`);
  } finally {
    endpoint.close();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
