#!/usr/bin/env node
// Startup to the interactive prompt: spawn `sedge` in a 100x30 pty (node-pty) in a throwaway git repo
// and time until the prompt's status line ("ready · /help") is on the screen; then /exit. Medians.
// Goal: <= 0.6 s on the project machine. Results go to bench/results/interactive.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pty from '@lydell/node-pty';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function once(cwd, env) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = pty.spawn(
      process.execPath,
      [join(root, 'bin', 'sedge.js'), '--model', `replay:${join(cwd, '..', 'one.jsonl')}`],
      { cols: 100, rows: 30, cwd, env },
    );
    let out = '';
    let ready = 0;
    const timer = setTimeout(() => (p.kill(), reject(new Error(`no prompt after 20 s:\n${out}`))), 20_000);
    p.onData((d) => {
      out += d;
      if (!ready && out.includes('ready · /help')) {
        ready = performance.now() - t0;
        p.write('/exit');
        p.write('\r');
      }
    });
    p.onExit(() => {
      clearTimeout(timer);
      ready ? resolve(ready) : reject(new Error(`exited before the prompt:\n${out}`));
    });
  });
}

const home = mkdtempSync(join(tmpdir(), 'sedge-bench-ui-'));
try {
  const repo = join(home, 'repo');
  mkdirSync(repo);
  execFileSync('git', ['init', '-q'], { cwd: repo });
  writeFileSync(join(home, 'one.jsonl'), '{"text": "hi"}\n');
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_STATE_HOME: join(home, 's'),
    XDG_CACHE_HOME: join(home, 'c'),
    XDG_CONFIG_HOME: join(home, 'f'),
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
  };
  const bare = [];
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, ['-e', '0']);
    bare.push(performance.now() - t0);
    times.push(await once(repo, env));
  }
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    runs: RUNS,
    startup_to_prompt_ms: Math.round(median(times)),
    bare_node_ms: Math.round(median(bare)),
    target_ms: 600,
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'interactive.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `startup to the interactive prompt: ${result.startup_to_prompt_ms} ms median (bare node: ${result.bare_node_ms} ms) [target ≤ 600 ms: ${result.startup_to_prompt_ms <= 600 ? 'met' : 'NOT met'}]\nwritten to bench/results/interactive.json\n`,
  );
} finally {
  rmSync(home, { recursive: true, force: true });
}
