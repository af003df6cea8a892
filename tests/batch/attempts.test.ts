import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExecCommand } from '../../src/cli/exec-command.js';
import { runTracesCommand } from '../../src/cli/traces-command.js';
import { type ChatExample, ChatExampleSchema } from '../../src/traces/chat-export.js';
import { parseJsonl } from '../support/cli.js';
import { makeTempHome, makeTempRepo } from '../support/repo.js';
import {
  type ChatRequest,
  type ScriptedServer,
  type ScriptStep,
  startScriptedServer,
} from '../support/scripted-server.js';
import { attemptStep, gitOut } from './fixture.js';

/**
 * Best-of-N through the real loop, gate and worktrees: attempts run concurrently against one scripted server,
 * which answers each request by the attempt's worktree and the plan written in the task (attemptStep).
 */
const judged: ChatRequest[] = [];

function route(req: ChatRequest): ScriptStep {
  if (req.model === 'judge-model') {
    judged.push(req);
    return { text: 'Both are the same size; the later one reads better.\nWINNER: 3' };
  }
  return attemptStep(req, /worktrees\/(\d+)$/);
}

let server: ScriptedServer;
let home: ReturnType<typeof makeTempHome>;
beforeAll(async () => {
  server = await startScriptedServer([], { fallback: route });
  home = makeTempHome();
});
afterAll(async () => {
  await server.close();
  home.cleanup();
});

/** the newest version of every trace record in the (one) test home */
function latestTraces(): Record<string, unknown>[] {
  const root = join(home.env.XDG_CACHE_HOME, 'sedge', 'repos');
  const byId = new Map<string, Record<string, unknown>>();
  for (const id of readdirSync(root))
    for (const line of readFileSync(join(root, id, 'traces.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)) {
      const rec = JSON.parse(line) as Record<string, unknown>;
      byId.set(rec.id as string, rec);
    }
  return [...byId.values()];
}

async function exportChat(cwd: string): Promise<ChatExample[]> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const env = { ...home.env, PATH: process.env.PATH };
  const code = await runTracesCommand(['traces', 'export', '--format', 'chat-jsonl'], {
    cwd,
    stdout,
    stderr: new PassThrough(),
    env,
  });
  expect(code).toBe(0);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => ChatExampleSchema.parse(JSON.parse(l)));
}

async function execInProcess(args: string[], cwd: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const env = {
    ...home.env,
    PATH: process.env.PATH,
    OPENAI_BASE_URL: server.baseURL,
    OPENAI_API_KEY: 'sk-test-attempts-0000',
    SEDGE_MODEL: 'scripted-model',
  };
  const code = await runExecCommand(args, { stdout, stderr, stdin: new PassThrough(), env, cwd });
  return { code, stdout: out, stderr: err };
}

function makeRepo() {
  return makeTempRepo({
    'value.txt': 'bad\n',
    'sub/notes.md': 'notes\n',
    'check.sh': 'grep -qx good value.txt || { echo "FAIL value is not good"; exit 1; }\necho "1 passed"\n',
  });
}

const ARGS = ['--json', '--test-cmd', 'sh check.sh', '--verify-rounds', '1', '--no-recall'];

describe('sedge exec --attempts N', () => {
  it('runs 3 attempts; only the one whose tests pass is chosen and applied, the others are reported', async () => {
    const repo = makeRepo();
    try {
      const res = await execInProcess(
        ['exec', ...ARGS, '--attempts', '3', '--temperatures', '0.2,0.8', 'PLAN=wrong,fix,none make value good'],
        repo.dir,
      );
      expect(res.stderr).not.toContain('internal error');
      expect(res.code).toBe(0);
      const lines = parseJsonl(res.stdout);
      expect(lines.filter((l) => l.type === 'attempt_end').map((l) => l.index)).toEqual(
        expect.arrayContaining([1, 2, 3]),
      );
      const summary = lines.at(-1) as Record<string, unknown> & { attempts: Record<string, unknown>[] };
      expect(summary).toMatchObject({ type: 'attempts_summary', winner: 2, applied: true });
      expect(summary.reason).toBe('the only attempt whose tests pass');
      const byIndex = Object.fromEntries(summary.attempts.map((a) => [a.index, a]));
      expect(byIndex[1]).toMatchObject({ status: 'tests_failed', verified: false, temperature: 0.2 });
      expect(byIndex[2]).toMatchObject({ status: 'done', verified: true, diffLines: 2, temperature: 0.8 });
      expect(byIndex[3]).toMatchObject({ verified: false, diffLines: 0, temperature: 0.2 });
      // the winner's change is in the user's tree; the losers' diffs are kept for inspection
      expect(readFileSync(join(repo.dir, 'value.txt'), 'utf8')).toBe('good\n');
      expect(readFileSync(byIndex[1]?.patch_file as string, 'utf8')).toContain('+worse');
      const dir = summary.dir as string;
      expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))).toMatchObject({ winner: 2 });
      expect(readFileSync(join(dir, 'attempts', '3', 'events.jsonl'), 'utf8')).toContain('"run_end"');
      // the temperatures reached the endpoint; the worktrees are gone and were never inside the repo
      expect(new Set(server.requests.map((r) => r.temperature))).toEqual(new Set([0.2, 0.8]));
      expect(gitOut(repo.dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
      expect(existsSync(join(dir, 'worktrees', '1'))).toBe(false);
      expect(gitOut(repo.dir, 'status', '--porcelain')).toBe('M value.txt');
      // each attempt's trace record says whether it won and why, and what its gate said
      const traces = latestTraces().filter((t) => (t.attempt as { run_id?: string })?.run_id === summary.id);
      expect(
        traces.map((t) => t.attempt).sort((x, y) => (x as { index: number }).index - (y as { index: number }).index),
      ).toEqual(
        [1, 2, 3].map((index) => ({
          run_id: summary.id,
          index,
          of: 3,
          chosen: index === 2,
          winner: 2,
          reason: 'the only attempt whose tests pass',
        })),
      );
      const gates = Object.fromEntries(traces.map((t) => [(t.attempt as { index: number }).index, t.gate]));
      expect(gates[2]).toMatchObject({ command: 'sh check.sh', ok: true });
      expect(gates[1]).toMatchObject({ ok: false });
      // and the chat export carries the choice as a reward
      const exported = await exportChat(repo.dir);
      const rewards = exported.filter((l) => l.reward.attempt?.winner === 2).map((l) => l.reward);
      expect(rewards.map((r) => [r.attempt?.index, r.chosen_attempt, r.accepted]).sort()).toEqual([
        [1, false, false],
        [2, true, true],
        [3, false, false],
      ]);
    } finally {
      repo.cleanup();
    }
  }, 120_000);

  it('with two passing attempts the smaller diff wins; --keep-worktrees keeps them', async () => {
    const repo = makeRepo();
    try {
      const res = await execInProcess(
        ['exec', ...ARGS, '--attempts', '3', '--keep-worktrees', 'PLAN=big,wrong,fix make value good'],
        repo.dir,
      );
      expect(res.code).toBe(0);
      const summary = parseJsonl(res.stdout).at(-1) as Record<string, unknown> & {
        attempts: Record<string, unknown>[];
      };
      expect(summary).toMatchObject({ winner: 3, applied: true, ranking: [3, 1, 2] });
      expect(summary.reason).toBe('tests pass; smallest change (2 lines vs 4 in attempt 1)');
      expect(readFileSync(join(repo.dir, 'value.txt'), 'utf8')).toBe('good\n');
      const kept = summary.attempts.map((a) => a.worktree as string);
      expect(readFileSync(join(kept[0] as string, 'value.txt'), 'utf8')).toBe('good\nand more\nand more\n');
      expect(gitOut(repo.dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(4);
    } finally {
      repo.cleanup();
    }
  }, 120_000);

  it('--judge MODEL breaks a tie left after every rule by reading the tied diffs', async () => {
    const repo = makeRepo();
    try {
      const res = await execInProcess(
        ['exec', ...ARGS, '--attempts', '3', '--judge', 'judge-model', 'PLAN=fix,wrong,fix make value good'],
        repo.dir,
      );
      expect(res.code).toBe(0);
      const summary = parseJsonl(res.stdout).at(-1) as Record<string, unknown>;
      expect(summary).toMatchObject({ winner: 3, applied: true, judge: { tied: [1, 3], choice: 3 } });
      expect(summary.reason).toBe('tests pass; the judge chose it among tied attempts 1, 3');
      // one judge request, holding both tied diffs and not the failing one
      expect(judged).toHaveLength(1);
      const user = JSON.stringify(judged[0]?.messages.at(-1)?.content);
      expect(user).toContain('<attempt number=\\"1\\">');
      expect(user).toContain('<attempt number=\\"3\\">');
      expect(user).not.toContain('worse');
      expect(judged[0]?.tools ?? []).toEqual([]);
    } finally {
      repo.cleanup();
    }
  }, 120_000);

  it('prints a text listing and exits 1 when no attempt passes; nothing is applied', async () => {
    const repo = makeRepo();
    try {
      // started in a subfolder: each attempt runs in the same subfolder of its worktree
      const res = await execInProcess(
        ['exec', '--test-cmd', 'sh check.sh', '--verify-rounds', '1', '--attempts', '2', 'PLAN=wrong,none x'],
        join(repo.dir, 'sub'),
      );
      expect(res.code).toBe(1);
      expect(res.stdout).toContain('No attempt chosen: no attempt finished its task; nothing applied.');
      expect(res.stdout).toMatch(/attempt 1 \(scripted-model\): tests_failed/);
      expect(readFileSync(join(repo.dir, 'value.txt'), 'utf8')).toBe('bad\n');
      const dir = /Diffs, events and results: (.+)/.exec(res.stdout)?.[1] as string;
      const start = JSON.parse(
        readFileSync(join(dir, 'attempts', '1', 'events.jsonl'), 'utf8').split('\n')[0] as string,
      );
      expect(start).toMatchObject({ type: 'run_start', cwd: join(dir, 'worktrees', '1', 'sub') });
    } finally {
      repo.cleanup();
    }
  }, 120_000);

  it('refuses bad flags with a usage error', async () => {
    const repo = makeRepo();
    try {
      expect((await execInProcess(['exec', '--attempts', '0', 'x'], repo.dir)).code).toBe(2);
      expect((await execInProcess(['exec', '--keep-worktrees', 'x'], repo.dir)).code).toBe(2);
      expect((await execInProcess(['exec', '--judge', 'm', 'x'], repo.dir)).code).toBe(2);
      expect((await execInProcess(['exec', '--temperatures', 'hot', 'x'], repo.dir)).stderr).toContain('0..2');
    } finally {
      repo.cleanup();
    }
  });
});
