import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskResult } from '../../src/batch/types.js';
import { parseJsonl } from '../support/cli.js';
import { makeTempHome } from '../support/repo.js';
import {
  type ChatRequest,
  type ScriptedServer,
  type ScriptStep,
  startScriptedServer,
} from '../support/scripted-server.js';
import { attemptStep, batchInProcess, gitOut, makeBatchRepo } from './fixture.js';

/**
 * `sedge batch --attempts N` through the real batch driver, loop, gate and worktrees. The scripted server
 * answers each request by the attempt (its worktree, <work>/<task id>.attempts/<k>) and the plan written in the
 * task (attemptStep).
 */
const route = (req: ChatRequest): ScriptStep => attemptStep(req, /\.attempts\/(\d+)$/);

let server: ScriptedServer;
let home: ReturnType<typeof makeTempHome>;
let work: string;
let repo: { dir: string; cleanup: () => void };

beforeAll(async () => {
  server = await startScriptedServer([], { fallback: route });
  home = makeTempHome();
  work = mkdtempSync(join(tmpdir(), 'sedge-batch-attempts-'));
  repo = makeBatchRepo('r');
});
afterAll(async () => {
  await server.close();
  repo.cleanup();
  home.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const env = () => ({
  ...home.env,
  PATH: process.env.PATH,
  OPENAI_BASE_URL: server.baseURL,
  OPENAI_API_KEY: 'sk-test-batch-attempts-0',
  SEDGE_MODEL: 'scripted-model',
  SEDGE_PRICE_PER_MTOK: '1,0.5,2',
});

function manifest(name: string, tasks: { id: string; plan: string }[]): string {
  const path = join(work, `${name}.jsonl`);
  const lines = tasks.map((t) =>
    JSON.stringify({
      id: t.id,
      repo: repo.dir,
      task: `PLAN=${t.plan} make value.txt say good`,
      test_cmd: 'sh check.sh',
    }),
  );
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const RUN = ['--verify-rounds', '1', '--no-recall'];
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
const tokensOf = (u: { input_tokens: number; output_tokens: number }) => u.input_tokens + u.output_tokens;

describe('sedge batch --attempts N', () => {
  it("runs each task's attempts, writes the winner's change as patch.diff and keeps every attempt", async () => {
    const tasks = manifest('two', [
      { id: 'only-one-passes', plan: 'wrong,fix,none' },
      { id: 'smaller-wins', plan: 'big,wrong,fix' },
    ]);
    const out = join(work, 'out');
    const args = [tasks, '--out', out, '--concurrency', '2', '--attempts', '3', '--temperatures', '0.2,0.8', ...RUN];
    const res = await batchInProcess(args, { cwd: work, env: env() });
    expect(res.stderr).not.toContain('internal');
    expect(res.code).toBe(0);

    const one = readJson(join(out, 'only-one-passes', 'result.json')) as unknown as TaskResult;
    expect(one).toMatchObject({ status: 'done', verified: true, tests_after: { command: 'sh check.sh' } });
    expect(one.reason).toBe('attempt 2 of 3 chosen: the only attempt whose tests pass');
    expect(one.attempts).toMatchObject({ winner: 2, reason: 'the only attempt whose tests pass', applied: true });
    const list = one.attempts?.list ?? [];
    expect(list.map((a) => [a.index, a.status, a.verified, a.diff_lines, a.temperature, a.dir])).toEqual([
      [1, 'tests_failed', false, 2, 0.2, 'attempts/1'],
      [2, 'done', true, 2, 0.8, 'attempts/2'],
      [3, 'tests_failed', false, 0, 0.2, 'attempts/3'],
    ]);
    // the task's patch is the winner's change; every attempt's diff, events and result are kept
    const patch = readFileSync(join(out, 'only-one-passes', 'patch.diff'), 'utf8');
    expect(patch).toContain('+good');
    expect(patch).toBe(readFileSync(join(out, 'only-one-passes', 'attempts', '2', 'patch.diff'), 'utf8'));
    expect(readFileSync(join(out, 'only-one-passes', 'attempts', '1', 'patch.diff'), 'utf8')).toContain('+worse');
    for (const k of ['1', '2', '3']) {
      const adir = join(out, 'only-one-passes', 'attempts', k);
      expect(readFileSync(join(adir, 'events.jsonl'), 'utf8')).toContain('"run_end"');
      expect(readJson(join(adir, 'result.json'))).toMatchObject({ index: Number(k) });
    }
    expect(readJson(join(out, 'only-one-passes', 'attempts', 'summary.json'))).toMatchObject({ winner: 2 });

    // tokens and cost count every attempt
    expect(tokensOf(one.tokens)).toBe(list.reduce((n, a) => n + tokensOf(a.tokens), 0));
    expect(list.every((a) => tokensOf(a.tokens) > 0)).toBe(true);
    const costs = list.reduce((n, a) => n + (a.cost_usd as number), 0);
    expect(one.cost_usd).toBeCloseTo(costs, 6);

    const two = readJson(join(out, 'smaller-wins', 'result.json')) as unknown as TaskResult;
    expect(two.attempts).toMatchObject({ winner: 3, ranking: [3, 1, 2] });
    expect(two.attempts?.reason).toBe('tests pass; smallest change (2 lines vs 4 in attempt 1)');
    expect(readFileSync(join(out, 'smaller-wins', 'patch.diff'), 'utf8')).not.toContain('and more');

    // the task's own event stream is a summary that ends with the winner's verdict
    const events = parseJsonl(readFileSync(join(out, 'smaller-wins', 'events.jsonl'), 'utf8'));
    expect(events[0]).toMatchObject({ type: 'run_start' });
    expect(events.at(-2)).toMatchObject({ type: 'verify_result', ok: true });
    expect(events.at(-1)).toMatchObject({ type: 'run_end', status: 'done', verified: true });
    const summary = parseJsonl(readFileSync(join(out, 'summary.jsonl'), 'utf8'));
    expect(summary.map((l) => (l as { attempts?: { winner: number } }).attempts?.winner).sort()).toEqual([2, 3]);

    // the temperatures reached the endpoint; the user's repository and the work root are left as they were
    expect(new Set(server.requests.map((r) => r.temperature))).toEqual(new Set([0.2, 0.8]));
    expect(readFileSync(join(repo.dir, 'value.txt'), 'utf8')).toBe('bad r\n');
    expect(gitOut(repo.dir, 'status', '--porcelain')).toBe('');
    expect(gitOut(repo.dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    expect(existsSync(join(out, '.work'))).toBe(false);
  }, 180_000);

  it('--max-tokens counts every attempt: one task of 3 attempts spends what a single attempt would not', async () => {
    const tasks = manifest('budget', [
      { id: 'b1', plan: 'fix,fix,fix' },
      { id: 'b2', plan: 'fix,fix,fix' },
    ]);
    const out = join(work, 'out-budget');
    const args = [tasks, '--out', out, '--concurrency', '1', '--attempts', '3', '--max-tokens', '300', ...RUN];
    const res = await batchInProcess(args, { cwd: work, env: env() });
    expect(res.code).toBe(4);
    const b1 = readJson(join(out, 'b1', 'result.json')) as unknown as TaskResult;
    const perAttempt = (b1.attempts?.list ?? []).map((a) => tokensOf(a.tokens));
    expect(perAttempt).toHaveLength(3);
    // one attempt alone stays under the budget; the three together do not
    expect(Math.max(...perAttempt)).toBeLessThan(300);
    expect(tokensOf(b1.tokens)).toBe(perAttempt.reduce((a, b) => a + b, 0));
    const summary = parseJsonl(readFileSync(join(out, 'summary.jsonl'), 'utf8'));
    expect(summary.at(-1)).toMatchObject({ type: 'stop', not_started: ['b2'] });
    // tied on every rule: the lower attempt number wins
    expect(b1.attempts).toMatchObject({ winner: 1, applied: true });
  }, 180_000);

  it('--judge without --attempts is a usage error', async () => {
    const res = await batchInProcess(
      [manifest('x', [{ id: 'x', plan: 'fix' }]), '--out', join(work, 'o3'), '--judge', 'm'],
      {
        cwd: work,
        env: env(),
      },
    );
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--judge needs --attempts N');
  });
});
