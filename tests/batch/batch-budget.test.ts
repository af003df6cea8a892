import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonl } from '../support/cli.js';
import { makeTempHome } from '../support/repo.js';
import { type ScriptedServer, startScriptedServer } from '../support/scripted-server.js';
import { batchInProcess, createRouter, gitOut, makeBatchRepo, taskText } from './fixture.js';

let server: ScriptedServer;
let home: ReturnType<typeof makeTempHome>;
let work: string;
const repos: { dir: string; cleanup: () => void }[] = [];
const router = createRouter();

beforeAll(async () => {
  server = await startScriptedServer([], { fallback: router.route });
  home = makeTempHome();
  work = mkdtempSync(join(tmpdir(), 'sedge-batch-budget-'));
  for (let i = 0; i < 3; i++) repos.push(makeBatchRepo(`r${i}`));
});

afterAll(async () => {
  await server.close();
  for (const r of repos) r.cleanup();
  home.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({
  ...home.env,
  PATH: process.env.PATH,
  OPENAI_BASE_URL: server.baseURL,
  OPENAI_API_KEY: 'sk-test-batch-000000',
  SEDGE_MODEL: 'scripted-model',
  ...extra,
});

describe('sedge batch budgets and the --repos short form', () => {
  it('--max-tokens stops starting new tasks and says so in summary.jsonl (exit 4)', async () => {
    // each fix task spends 2 turns x 120 tokens = 240; the budget is crossed during the 3rd task
    const lines = [0, 1, 2, 3, 4].map((i) =>
      JSON.stringify({ id: `b${i}`, repo: repos[i % 3]?.dir, task: taskText('fix', `b${i}`), test_cmd: 'sh check.sh' }),
    );
    const manifest = join(work, 'tasks.jsonl');
    writeFileSync(manifest, `${lines.join('\n')}\n`);
    const out = join(work, 'out-tokens');
    const res = await batchInProcess([manifest, '--out', out, '--concurrency', '1', '--max-tokens', '500'], {
      cwd: work,
      env: env(),
    });
    expect(res.code).toBe(4);
    const summary = parseJsonl(readFileSync(join(out, 'summary.jsonl'), 'utf8'));
    expect(summary.filter((l) => l.type === 'task').map((l) => l.id)).toEqual(['b0', 'b1', 'b2']);
    expect(summary.at(-1)).toMatchObject({
      type: 'stop',
      reason: expect.stringContaining('--max-tokens 500 reached (720 tokens spent)'),
      not_started: ['b3', 'b4'],
    });
    expect(res.stderr).toContain('stopped starting tasks: --max-tokens 500 reached');
  }, 120_000);

  it('--max-cost uses SEDGE_PRICE_PER_MTOK and records each task cost; refuses without prices', async () => {
    const manifest = join(work, 'cost.jsonl');
    const lines = [0, 1, 2].map((i) =>
      JSON.stringify({ id: `c${i}`, repo: repos[i]?.dir, task: taskText('fix', `c${i}`), test_cmd: 'sh check.sh' }),
    );
    writeFileSync(manifest, `${lines.join('\n')}\n`);
    const noPrice = await batchInProcess([manifest, '--out', join(work, 'c0'), '--max-cost', '1'], {
      cwd: work,
      env: env(),
    });
    expect(noPrice.code).toBe(2);
    expect(noPrice.stderr).toContain('SEDGE_PRICE_PER_MTOK');
    // 200 input + 40 output tokens per task at $1000/$0/$1000 per M = $0.24 per task
    const out = join(work, 'c1');
    const res = await batchInProcess([manifest, '--out', out, '--concurrency', '1', '--max-cost', '0.3'], {
      cwd: work,
      env: env({ SEDGE_PRICE_PER_MTOK: '1000,0,1000' }),
    });
    expect(res.code).toBe(4);
    const summary = parseJsonl(readFileSync(join(out, 'summary.jsonl'), 'utf8'));
    expect(summary.filter((l) => l.type === 'task').map((l) => [l.id, l.cost_usd])).toEqual([
      ['c0', 0.24],
      ['c1', 0.24],
    ]);
    expect(summary.at(-1)).toMatchObject({ type: 'stop', not_started: ['c2'] });
  }, 120_000);

  it('--repos REPOS.txt "TASK" runs one task over every listed repo', async () => {
    const list = join(work, 'repos.txt');
    writeFileSync(list, `# the fleet\n${repos.map((r) => r.dir).join('\n')}\n\n`);
    const out = join(work, 'out-repos');
    const res = await batchInProcess(
      ['--repos', list, '--out', out, '--test-cmd', 'sh check.sh', taskText('fix', 'fleet')],
      { cwd: work, env: env() },
    );
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    const summary = parseJsonl(readFileSync(join(out, 'summary.jsonl'), 'utf8'));
    expect(summary.map((l) => [l.repo, l.status]).sort()).toEqual(repos.map((r) => [r.dir, 'done']).sort());
    for (const l of summary) expect(readFileSync(join(out, l.id as string, 'patch.diff'), 'utf8')).toContain('+good');
    for (const r of repos) expect(gitOut(r.dir, 'status', '--porcelain')).toBe('');
  }, 120_000);

  it('a 429 seen by one worker pauses every worker (shared backoff), and the batch still finishes', async () => {
    const arrivals: { at: number; followUp: boolean }[] = [];
    let t429 = 0;
    const shared = await startScriptedServer([], {
      fallback: (req) => {
        const now = performance.now();
        arrivals.push({ at: now, followUp: req.messages.some((m) => m.role === 'assistant') });
        if (!t429) {
          t429 = now;
          return { error: { status: 429, message: 'rate limited', headers: { 'retry-after-ms': '4000' } } };
        }
        return router.route(req);
      },
    });
    try {
      const lines = [0, 1, 2, 3].map((i) =>
        JSON.stringify({
          id: `q${i}`,
          repo: repos[i % 3]?.dir,
          task: taskText('fix', `q${i}`),
          test_cmd: 'sh check.sh',
        }),
      );
      const manifest = join(work, 'q.jsonl');
      writeFileSync(manifest, `${lines.join('\n')}\n`);
      const out = join(work, 'out-429');
      const res = await batchInProcess([manifest, '--out', out, '--concurrency', '4'], {
        cwd: work,
        env: { ...env(), OPENAI_BASE_URL: shared.baseURL },
      });
      expect(res.code).toBe(0);
      // The provider asked for 4 s. First requests already on the wire when the 429 came may still land, but no
      // worker sends its next request while the pause lasts (unpaused, the others would go on with their tasks).
      const during = arrivals.filter((a) => a.at > t429 && a.at < t429 + 3900);
      expect(during.filter((a) => a.followUp)).toEqual([]);
      expect(arrivals.filter((a) => a.at > t429 && a.followUp).length).toBeGreaterThanOrEqual(4);
    } finally {
      await shared.close();
    }
  }, 120_000);

  it('--model replay:FILE relative to where sedge started works in every task checkout', async () => {
    writeFileSync(
      join(work, 'fix.replay.jsonl'),
      '{"tool_calls": [{"name": "sed", "arguments": {"path": "value.txt", "script": "s/bad/good/"}}]}\n' +
        '{"text": "done"}\n',
    );
    const list = join(work, 'replay-repos.txt');
    writeFileSync(list, `${repos[0]?.dir}\n${repos[1]?.dir}\n`);
    const out = join(work, 'out-replay');
    const res = await batchInProcess(
      ['--repos', list, '--out', out, '--model', 'replay:fix.replay.jsonl', '--test-cmd', 'sh check.sh', 'fix it'],
      { cwd: work, env: { ...home.env, PATH: process.env.PATH } },
    );
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    const summary = parseJsonl(readFileSync(join(out, 'summary.jsonl'), 'utf8'));
    expect(summary.map((l) => l.status)).toEqual(['done', 'done']);
  }, 120_000);

  it('--max-steps is the step budget of every task (a task that needs more ends limit, exit 4)', async () => {
    const manifest = join(work, 'steps.jsonl');
    writeFileSync(
      manifest,
      `${JSON.stringify({ id: 'st', repo: repos[0]?.dir, task: taskText('fix', 'st'), test_cmd: 'sh check.sh' })}\n`,
    );
    const out = join(work, 'out-steps');
    const res = await batchInProcess([manifest, '--out', out, '--max-steps', '1'], { cwd: work, env: env() });
    expect(res.code).toBe(1);
    const [line] = parseJsonl(readFileSync(join(out, 'summary.jsonl'), 'utf8'));
    expect(line).toMatchObject({ id: 'st', status: 'limit', exit_code: 4, steps: 1 });
    expect(line?.reason).toContain('step limit');
  }, 120_000);
});
