import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonl } from '../support/cli.js';
import { makeTempHome } from '../support/repo.js';
import { type ScriptedServer, startScriptedServer } from '../support/scripted-server.js';
import { batchInProcess, createRouter, type Kind, makeBatchRepo, taskText } from './fixture.js';

let server: ScriptedServer;
let home: ReturnType<typeof makeTempHome>;
let work: string;
const repos: { dir: string; cleanup: () => void }[] = [];
const router = createRouter();

beforeAll(async () => {
  server = await startScriptedServer([], { fallback: router.route });
  home = makeTempHome();
  work = mkdtempSync(join(tmpdir(), 'sedge-batch-shards-'));
  for (let i = 0; i < 2; i++) repos.push(makeBatchRepo(`r${i}`));
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

/** The comparable part of a report: per task, what happened (not when, nor how long). */
async function reportOf(dirs: string[]) {
  const res = await batchInProcess(['report', ...dirs, '--json', '--write', join(work, 'rep')], {
    cwd: work,
    env: env(),
  });
  expect(res.code).toBe(0);
  const r = JSON.parse(res.stdout);
  return {
    counts: r.counts,
    verified: r.verified,
    tokens: r.tokens,
    tasks: r.tasks.map((t: Record<string, unknown>) => [t.id, t.status, t.exit_code, t.tests, t.patch_bytes]),
  };
}

describe('sedge batch shards', () => {
  it('--shard 1/2 + 2/2, and the same through JOB_COMPLETION_INDEX, plus report equal one unsharded run', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => `s${i}`);
    const lines = ids.map((id, i) => {
      const kind: Kind = i % 3 === 1 ? 'nofix' : 'fix';
      return JSON.stringify({ id, repo: repos[i % 2]?.dir, task: taskText(kind, id), test_cmd: 'sh check.sh' });
    });
    const manifest = join(work, 'tasks.jsonl');
    writeFileSync(manifest, `${lines.join('\n')}\n`);
    const run = async (out: string, extra: string[], extraEnv: Record<string, string> = {}) => {
      const res = await batchInProcess([manifest, '--out', join(work, out), '--verify-rounds', '0', ...extra], {
        cwd: work,
        env: env(extraEnv),
      });
      expect(res.stderr).not.toContain('internal error');
      expect(res.code).toBe(1);
      return parseJsonl(readFileSync(join(work, out, 'summary.jsonl'), 'utf8')).map((l) => l.id as string);
    };
    const all = await run('all', ['--concurrency', '3']);
    const a = await run('shard-a', ['--shard', '1/2']);
    const b = await run('shard-b', ['--shard', '2/2', '--concurrency', '2']);
    const k0 = await run('k8s-0', ['--shards', '2'], { JOB_COMPLETION_INDEX: '0' });
    const k1 = await run('k8s-1', [], { JOB_COMPLETION_INDEX: '1', SEDGE_SHARDS: '2' });

    expect([...all].sort()).toEqual(ids);
    expect([...a].sort()).toEqual(['s0', 's2', 's4', 's6']);
    expect([...b].sort()).toEqual(['s1', 's3', 's5']);
    expect([...k0].sort()).toEqual([...a].sort());
    expect([...k1].sort()).toEqual([...b].sort());

    const whole = await reportOf([join(work, 'all')]);
    expect(whole.counts).toEqual({ done: 5, tests_failed: 2 });
    expect(whole.tasks).toHaveLength(7);
    expect(await reportOf([join(work, 'shard-a'), join(work, 'shard-b')])).toEqual(whole);
    expect(await reportOf([join(work, 'k8s-1'), join(work, 'k8s-0')])).toEqual(whole);
    const md = readFileSync(join(work, 'rep', 'report.md'), 'utf8');
    expect(md).toContain('| done | 5 |');
    expect(md).toContain('## Slowest tasks');
    expect(md).toMatch(/\| s1 \| tests_failed \| 1 \|/);
  }, 180_000);

  it('refuses a bad shard and JOB_COMPLETION_INDEX without a count (exit 2)', async () => {
    const manifest = join(work, 'one.jsonl');
    writeFileSync(manifest, `${JSON.stringify({ id: 'x', repo: repos[0]?.dir, task: 'x' })}\n`);
    const bad = await batchInProcess([manifest, '--out', join(work, 'o1'), '--shard', '3/2'], {
      cwd: work,
      env: env(),
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--shard needs K/N');
    const noCount = await batchInProcess([manifest, '--out', join(work, 'o2')], {
      cwd: work,
      env: env({ JOB_COMPLETION_INDEX: '0' }),
    });
    expect(noCount.code).toBe(2);
    expect(noCount.stderr).toContain('--shards N or set SEDGE_SHARDS');
  });
});
