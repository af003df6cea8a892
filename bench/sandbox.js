#!/usr/bin/env node
// npm run bench (sandbox part): what the bubblewrap sandbox costs. Medians of 200 `true` commands sandboxed
// vs not, for the persistent shell (bwrap starts once per session) and for one-shot commands (the test gate:
// bwrap starts per command); and the wall time of the offline fix-small task (examples/calc, replayed model,
// tests run twice) with the sandbox on and off. Results go to bench/results/sandbox.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.BENCH_SANDBOX_RUNS ?? 200);
const TASKS = Number(process.env.BENCH_FIX_RUNS ?? 5);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

const { createShellSession } = await import(join(root, 'dist', 'exec', 'pty.js'));
const { runCommand } = await import(join(root, 'dist', 'exec', 'spawn.js'));
const { createSandbox, findBwrap } = await import(join(root, 'dist', 'exec', 'sandbox.js'));

if (!findBwrap('/nonexistent')) {
  console.error('bench/sandbox.js: bubblewrap is not installed; nothing to measure');
  process.exit(process.env.CI === 'true' ? 1 : 0);
}

const ws = mkdtempSync(join(tmpdir(), 'sedge-bench-sbx-'));
const sandbox = createSandbox({ mode: 'workspace-write', workspace: ws });

/** Both variants interleaved, command by command, so a change in machine load hits both alike. */
async function shellTimes(launcher) {
  const bare = createShellSession({ cwd: ws });
  const boxed = createShellSession({ cwd: ws, launcher });
  // start bash (and bwrap) outside the measurement
  await bare.run('true', { timeoutMs: 20_000 });
  await boxed.run('true', { timeoutMs: 20_000 });
  const times = { bare: [], boxed: [] };
  for (let i = 0; i < N; i++) {
    for (const [name, shell] of [
      ['bare', bare],
      ['boxed', boxed],
    ]) {
      const t = performance.now();
      await shell.run('true', { timeoutMs: 20_000 });
      times[name].push(performance.now() - t);
    }
  }
  await bare.dispose();
  await boxed.dispose();
  return { bare: median(times.bare), boxed: median(times.boxed) };
}

async function oneShotTimes(launcher) {
  const times = { bare: [], boxed: [] };
  for (let i = 0; i < N; i++) {
    for (const [name, l] of [
      ['bare', null],
      ['boxed', launcher],
    ]) {
      const t = performance.now();
      await runCommand('true', { cwd: ws, timeoutMs: 20_000, ...(l ? { launcher: l } : {}) });
      times[name].push(performance.now() - t);
    }
  }
  return { bare: median(times.bare), boxed: median(times.boxed) };
}

function fixSmallOnce(sandboxMode) {
  {
    const dir = mkdtempSync(join(tmpdir(), 'sedge-bench-fix-'));
    const home = mkdtempSync(join(tmpdir(), 'sedge-bench-home-'));
    cpSync(join(root, 'examples', 'calc'), dir, { recursive: true });
    const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
    git('init', '-q');
    git('-c', 'user.name=b', '-c', 'user.email=b@example.invalid', 'add', '-A');
    git('-c', 'user.name=b', '-c', 'user.email=b@example.invalid', 'commit', '-q', '-m', 'bug');
    const t = performance.now();
    const r = spawnSync(
      process.execPath,
      [
        join(root, 'bin', 'sedge.js'),
        'exec',
        '--json',
        '--sandbox',
        sandboxMode,
        '--model',
        `replay:${join(root, 'examples', 'calc.replay.jsonl')}`,
        'Fix the failing test',
      ],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          HOME: home,
          XDG_STATE_HOME: join(home, 's'),
          XDG_CACHE_HOME: join(home, 'c'),
          XDG_CONFIG_HOME: join(home, 'g'),
        },
        encoding: 'utf8',
      },
    );
    const ms = performance.now() - t;
    if (r.status !== 0) throw new Error(`fix-small (${sandboxMode}) exited ${r.status}: ${r.stderr.slice(-500)}`);
    rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
    return ms;
  }
}

const launcher = sandbox.launcher();
const { bare: shellBare, boxed: shellBoxed } = await shellTimes((dir) => sandbox.launcher([dir]));
const { bare: oneBare, boxed: oneBoxed } = await oneShotTimes(launcher);
const fix = { off: [], on: [] };
for (let i = 0; i < TASKS; i++) {
  fix.off.push(fixSmallOnce('off'));
  fix.on.push(fixSmallOnce('workspace-write'));
}
const fixOff = median(fix.off);
const fixOn = median(fix.on);
sandbox.dispose();
rmSync(ws, { recursive: true, force: true });

const result = {
  date: new Date().toISOString(),
  node: process.version,
  sandbox: sandbox.describe(),
  commands: N,
  persistent_shell: {
    median_true_ms_unsandboxed: round(shellBare),
    median_true_ms_sandboxed: round(shellBoxed),
    overhead_ms: round(shellBoxed - shellBare),
  },
  one_shot: {
    median_true_ms_unsandboxed: round(oneBare),
    median_true_ms_sandboxed: round(oneBoxed),
    overhead_ms: round(oneBoxed - oneBare),
  },
  fix_small: {
    runs: TASKS,
    median_wall_ms_sandbox_off: round(fixOff, 0),
    median_wall_ms_sandbox_on: round(fixOn, 0),
    overhead_ms: round(fixOn - fixOff, 0),
  },
};
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'sandbox.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
