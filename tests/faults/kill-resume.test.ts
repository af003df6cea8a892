import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, parseJsonl } from '../support/cli.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';
import {
  type ChatRequest,
  startScriptedServer,
  type ScriptedServer,
  type ScriptStep,
} from '../support/scripted-server.js';

/** Ten tool calls, each safe to repeat (a resumed run redoes the call that was cut). */
const PLAN = [
  { name: 'shell', arguments: { command: "printf 'one\\n' > one.txt" } },
  { name: 'sed', arguments: { path: 'a.txt', script: 's/^alpha$/ALPHA/' } },
  { name: 'shell', arguments: { command: "mkdir -p d && printf 'x\\n' > d/x.txt" } },
  { name: 'sed', arguments: { path: 'a.txt', script: 's/^beta$/BETA/' } },
  { name: 'grep', arguments: { pattern: 'ALPHA|BETA' } },
  { name: 'sed', arguments: { path: 'a.txt', script: 's/^gamma$/GAMMA/' } },
  { name: 'shell', arguments: { command: 'rm -f one.txt' } },
  { name: 'sed', arguments: { path: 'b.txt', script: 's/^1$/one/' } },
  { name: 'shell', arguments: { command: "printf 'late\\n' > late.txt" } },
  { name: 'sed', arguments: { path: 'b.txt', script: 's/^2$/two/' } },
];
const CUT = 'This call did not finish';

/** A model that looks at the conversation: the next planned call after the ones that finished. */
const planner = (req: ChatRequest): ScriptStep => {
  const done = req.messages.filter((m) => m.role === 'tool' && !String(m.content).startsWith(CUT)).length;
  const next = PLAN[done];
  return next ? { tool_calls: [next] } : { text: 'all ten steps done' };
};

let homes: TempHome[] = [];
let repos: { dir: string; cleanup: () => void }[] = [];
let server: ScriptedServer;
beforeEach(async () => {
  server = await startScriptedServer();
  server.push(...Array.from({ length: 400 }, () => planner));
});
afterEach(async () => {
  await server.close();
  for (const r of repos) r.cleanup();
  for (const h of homes) h.cleanup();
  homes = [];
  repos = [];
});

function setup() {
  const home = makeTempHome();
  const repo = makeTempRepo({ 'a.txt': 'alpha\nbeta\ngamma\n', 'b.txt': '1\n2\n3\n' });
  homes.push(home);
  repos.push(repo);
  const env = {
    PATH: process.env.PATH ?? '',
    ...home.env,
    OPENAI_BASE_URL: server.baseURL,
    OPENAI_API_KEY: 'sk-test-kill-1',
    SEDGE_MODEL: 'scripted-model',
  };
  return { repo: repo.dir, env };
}

/** Run sedge exec; SIGKILL it at the `nth` event of type `killAt` (never when killAt is null). */
function run(args: string[], cwd: string, env: Record<string, string>, killAt: string | null, nth: number) {
  return new Promise<{ events: Record<string, unknown>[]; killed: boolean; code: number | null }>((resolve) => {
    const child = spawn(process.execPath, [BIN, 'exec', '--json', '--yes', '--no-verify', ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    let seen = 0;
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (killed || !killAt) return;
      seen = out.split('\n').filter((l) => l.includes(`"type":"${killAt}"`)).length;
      if (seen >= nth) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('close', (code) => {
      const lines = out.split('\n');
      if (killed) lines.pop(); // a line cut by the kill
      resolve({ events: parseJsonl(lines.join('\n')), killed, code });
    });
  });
}

const state = (repo: string) => ({
  diff: execFileSync('git', ['diff'], { cwd: repo, encoding: 'utf8' }),
  files: execFileSync('git', ['status', '--porcelain', '--ignored', '--untracked-files=all'], {
    cwd: repo,
    encoding: 'utf8',
  }),
  late: readFileSync(join(repo, 'late.txt'), 'utf8'),
});

describe('SIGKILL at every step, then sedge exec --resume ID', () => {
  it('ends with the same diff, files and status as the uninterrupted run, and no temp files', async () => {
    const ref = setup();
    const whole = await run(['do the ten steps'], ref.repo, ref.env, null, 0);
    expect(whole.events.at(-1)).toMatchObject({ type: 'run_end', status: 'done' });
    const expected = state(ref.repo);

    const t = setup();
    // kill points cycle through the phases of a step: before the model call, mid-stream answer, mid-tool, after it
    const triggers: Array<[string, number]> = [
      ['step_start', 2],
      ['assistant_message', 1],
      ['tool_start', 1],
      ['tool_end', 1],
    ];
    let res = await run(['do the ten steps'], t.repo, t.env, 'tool_end', 1);
    const sessionId = String(res.events.find((e) => e.type === 'run_start')?.session_id);
    let kills = res.killed ? 1 : 0;
    for (let i = 0; res.killed && i < 40; i++) {
      const [type, nth] = triggers[i % triggers.length] as [string, number];
      res = await run(['--resume', sessionId], t.repo, t.env, type, nth);
      if (res.killed) kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(10);
    expect(res.code).toBe(0);
    expect(res.events.at(-1)).toMatchObject({ type: 'run_end', status: 'done' });
    expect(state(t.repo)).toEqual(expected);
    expect(expected.files).not.toMatch(/\.tmp|sedge-/);
  }, 240_000);
});
