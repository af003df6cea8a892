/**
 * `npm run soak`: N scripted runs of the built CLI (SEDGE_SOAK_RUNS, default 200 there; skipped in `npm test`)
 * with a share of injected faults (SEDGE_SOAK_FAULT_RATE, default 0.2): model faults (500, 429, cut stream,
 * stall, no finish reason) and process faults (a hanging command, setsid daemons with a listening port, huge
 * output). Every run must end `done`, with its stdout events equal to its session file (none lost or
 * duplicated, seq contiguous), no partial tool call executed and no process or port left behind.
 * The report goes to bench/results/soak.json.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessionLog } from '../../src/agent/session-log.js';
import { processAlive } from '../../src/exec/process-tree.js';
import { BIN, parseJsonl, sessionsDir } from '../support/cli.js';
import { makeTempHome, makeTempRepo } from '../support/repo.js';
import { type ChatRequest, startScriptedServer, type ScriptStep } from '../support/scripted-server.js';

const RUNS = Number(process.env.SEDGE_SOAK_RUNS ?? 0);
const RATE = Number(process.env.SEDGE_SOAK_FAULT_RATE ?? 0.2);
const FAULTS = ['http500', 'http429', 'cut', 'stall', 'nofinish', 'hang', 'daemon', 'huge'] as const;
type Fault = (typeof FAULTS)[number];

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = createConnection({ port, host: '127.0.0.1' });
    c.on('connect', () => (c.destroy(), resolve(true)));
    c.on('error', () => resolve(false));
  });

/** Processes whose cwd is inside `dir` (what a run left behind). */
function processesIn(dir: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/cwd`).startsWith(dir)) out.push(Number(name));
    } catch {
      // gone or not ours
    }
  }
  return out;
}

/** The run's process command for a process fault (it runs as the first tool call). */
function faultCommand(fault: Fault, dir: string, port: number): string {
  if (fault === 'hang') return 'sleep 600';
  if (fault === 'huge') return "head -c 6000000 /dev/zero | tr '\\0' a; echo";
  const server = `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`;
  return [
    `setsid bash -c 'echo $$ > ${join(dir, 'daemon.pid')}; exec sleep 600' >/dev/null 2>&1 < /dev/null &`,
    `( ( sleep 601 >/dev/null 2>&1 < /dev/null & ) & )`,
    `setsid ${JSON.stringify(process.execPath)} -e ${JSON.stringify(server)} >/dev/null 2>&1 < /dev/null &`,
    `until (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null; do sleep 0.05; done; echo daemons-up`,
  ].join('\n');
}

async function oneRun(i: number, fault: Fault | null) {
  const home = makeTempHome();
  const repo = makeTempRepo({ 'a.txt': 'alpha\n' });
  const port = await freePort();
  const first =
    fault === 'hang' || fault === 'huge' || fault === 'daemon'
      ? { name: 'shell', arguments: { command: faultCommand(fault, repo.dir, port), timeout_s: 2 } }
      : { name: 'shell', arguments: { command: `echo run-${i} > run.txt` } };
  const plan = [first, { name: 'sed', arguments: { path: 'a.txt', script: 's/alpha/omega/' } }];
  const planner = (req: ChatRequest): ScriptStep => {
    const done = req.messages.filter((m) => m.role === 'tool').length;
    const next = plan[done];
    return next ? { tool_calls: [next] } : { text: `run ${i} done` };
  };
  const partial = { name: 'shell', arguments: { command: 'touch PARTIAL_CALL_RAN' } };
  const injected: Record<string, ScriptStep> = {
    http500: { error: { status: 500, message: 'injected server error' } },
    http429: { error: { status: 429, message: 'Rate limit reached (injected)' } },
    cut: { tool_calls: [partial], dropAfter: 3 },
    stall: { text: 'starting', stallAfter: 2 },
    nofinish: { tool_calls: [partial], noFinish: true },
  };
  const server = await startScriptedServer();
  if (fault && injected[fault]) server.push(injected[fault] as ScriptStep);
  server.push(...Array.from({ length: 10 }, () => planner));
  mkdirSync(join(home.env.XDG_CONFIG_HOME, 'sedge'), { recursive: true });
  writeFileSync(join(home.env.XDG_CONFIG_HOME, 'sedge', 'config.json'), '{"model_idle_timeout_s": 1}');
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'exec', '--json', '--yes', '--no-verify', `soak run ${i}`], {
    cwd: repo.dir,
    env: {
      PATH: process.env.PATH ?? '',
      ...home.env,
      OPENAI_BASE_URL: server.baseURL,
      OPENAI_API_KEY: 'sk-soak-test-1',
      SEDGE_MODEL: 'scripted-model',
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const ms = performance.now() - started;
  await server.close();
  const events = parseJsonl(stdout);
  const end = events.at(-1);
  const [file] = readdirSync(sessionsDir(home.env));
  const saved = readSessionLog(join(sessionsDir(home.env), file ?? '')).events;
  const seqs = events.map((e) => e.seq as number);
  const contiguous = seqs.every((s, k) => k === 0 || s === (seqs[k - 1] as number) + 1);
  const sameAsSession = JSON.stringify(saved.map((e) => e.seq)) === JSON.stringify(seqs);
  const daemonPid = existsSync(join(repo.dir, 'daemon.pid'))
    ? Number(readFileSync(join(repo.dir, 'daemon.pid'), 'utf8'))
    : null;
  const left = processesIn(repo.dir).length + (daemonPid && processAlive(daemonPid) ? 1 : 0);
  const portLeft = fault === 'daemon' && (await portOpen(port));
  const result = {
    i,
    fault,
    code,
    status: end?.type === 'run_end' ? String(end.status) : 'no run_end',
    eventsOk: contiguous && sameAsSession,
    partialRan: existsSync(join(repo.dir, 'PARTIAL_CALL_RAN')),
    left,
    portLeft,
    edited: readFileSync(join(repo.dir, 'a.txt'), 'utf8') === 'omega\n',
    ms: Math.round(ms),
  };
  repo.cleanup();
  home.cleanup();
  return result;
}

describe.skipIf(RUNS <= 0)('soak', () => {
  it(`${RUNS} scripted runs with ${Math.round(RATE * 100)} % injected faults`, async () => {
    const started = performance.now();
    const results: Awaited<ReturnType<typeof oneRun>>[] = [];
    const every = RATE > 0 ? Math.max(1, Math.round(1 / RATE)) : 0;
    for (let i = 0; i < RUNS; i++) {
      const fault = every && i % every === every - 1 ? (FAULTS[Math.floor(i / every) % FAULTS.length] as Fault) : null;
      results.push(await oneRun(i, fault));
    }
    const bad = results.filter((r) => r.status !== 'done' || r.code !== 0 || !r.edited);
    const report = {
      runs: RUNS,
      faulted: results.filter((r) => r.fault).length,
      faults: Object.fromEntries(FAULTS.map((f) => [f, results.filter((r) => r.fault === f).length])),
      finished_done: results.filter((r) => r.status === 'done').length,
      wrong_status: bad.map((r) => ({ i: r.i, fault: r.fault, status: r.status, code: r.code })),
      runs_with_lost_or_duplicated_events: results.filter((r) => !r.eventsOk).length,
      partial_calls_executed: results.filter((r) => r.partialRan).length,
      processes_left_behind: results.reduce((n, r) => n + r.left, 0),
      ports_left_listening: results.filter((r) => r.portLeft).length,
      wall_s: Math.round((performance.now() - started) / 100) / 10,
      run_ms_p50: results.map((r) => r.ms).sort((a, b) => a - b)[Math.floor(results.length / 2)],
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/soak.json', `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`soak: ${JSON.stringify(report)}\n`);
    expect(report.wrong_status).toEqual([]);
    expect(report.runs_with_lost_or_duplicated_events).toBe(0);
    expect(report.partial_calls_executed).toBe(0);
    expect(report.processes_left_behind).toBe(0);
    expect(report.ports_left_listening).toBe(0);
  }, 3_600_000);
});
