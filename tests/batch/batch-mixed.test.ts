import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonl } from '../support/cli.js';
import { makeTempHome } from '../support/repo.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { batchInProcess, createRouter, gitOut, type Kind, makeBatchRepo, taskText } from './fixture.js';

let server: ScriptedServer;
let home: ReturnType<typeof makeTempHome>;
let work: string;
const repos: { dir: string; cleanup: () => void }[] = [];
const heads: string[] = [];
const router = createRouter();

beforeAll(async () => {
  server = await startScriptedServer([], { fallback: router.route });
  home = makeTempHome();
  work = mkdtempSync(join(tmpdir(), 'sedge-batch-'));
  for (let i = 0; i < 5; i++) {
    const r = makeBatchRepo(`r${i}`);
    repos.push(r);
    heads.push(gitOut(r.dir, 'rev-parse', 'HEAD'));
  }
});

afterAll(async () => {
  await server.close();
  for (const r of repos) r.cleanup();
  home.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const env = () => ({
  ...home.env,
  PATH: process.env.PATH,
  OPENAI_BASE_URL: server.baseURL,
  OPENAI_API_KEY: 'sk-test-batch-000000',
  SEDGE_MODEL: 'scripted-model',
});

describe('sedge batch: 22 tasks over 5 repos with mixed outcomes', () => {
  it('reports fixed, still failing, timeout, missing repo and model error, and leaves the originals untouched', async () => {
    // repo 4 is also reached as a URL: a bare clone behind file://
    const bare = join(work, 'r4.git');
    execFileSync('git', ['clone', '-q', '--bare', repos[4]?.dir as string, bare]);
    // repo 3 has a branch where the value is already good: a task on that ref passes without a change
    const r3 = repos[3]?.dir as string;
    execFileSync('git', ['checkout', '-q', '-b', 'already-good'], { cwd: r3 });
    writeFileSync(join(r3, 'value.txt'), 'good r3\n');
    execFileSync('git', ['commit', '-qam', 'good'], { cwd: r3 });
    const goodRef = gitOut(r3, 'rev-parse', 'HEAD');
    execFileSync('git', ['checkout', '-q', 'main'], { cwd: r3 });
    // a post-checkout hook in a user's repo does not run for task checkouts
    writeFileSync(
      join(repos[1]?.dir as string, '.git', 'hooks', 'post-checkout'),
      `#!/bin/sh\ntouch '${join(work, 'HOOK-RAN')}'\n`,
      {
        mode: 0o755,
      },
    );
    const lines: string[] = [];
    const expected = new Map<string, string>();
    const add = (id: string, repo: string, kind: Kind, status: string, extra: Record<string, string> = {}) => {
      lines.push(JSON.stringify({ id, repo, task: taskText(kind, id), test_cmd: 'sh check.sh', ...extra }));
      expected.set(id, status);
    };
    for (let i = 0; i < 14; i++) {
      const kind: Kind = i % 2 === 0 ? 'fix' : 'nofix';
      add(
        `t${String(i).padStart(2, '0')}`,
        repos[i % 4]?.dir as string,
        kind,
        kind === 'fix' ? 'done' : 'tests_failed',
      );
    }
    add('url-fix', `file://${bare}`, 'fix', 'done');
    add('hang', repos[0]?.dir as string, 'hang', 'timeout');
    add('model-err', repos[1]?.dir as string, 'modelerr', 'failed');
    add('no-repo', join(work, 'does-not-exist'), 'fix', 'error');
    const plain = join(work, 'plain-dir');
    mkdirSync(plain);
    add('not-git', plain, 'fix', 'error');
    add('on-ref', r3, 'nofix', 'done', { ref: 'already-good' });
    add('bad-ref', r3, 'fix', 'error', { ref: 'no-such-branch' });
    // a task whose run cannot even be built (its model's replay file is missing): an error, the batch goes on
    add('bad-model', repos[2]?.dir as string, 'fix', 'error', { model: 'replay:missing.jsonl' });
    const manifest = join(work, 'tasks.jsonl');
    writeFileSync(manifest, `${lines.join('\n')}\n`);
    const out = join(work, 'out');

    const res = await batchInProcess(
      [manifest, '--out', out, '--concurrency', '4', '--timeout-per-task', '30', '--verify-rounds', '0'],
      { cwd: work, env: env() },
    );
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(1);

    const summary = parseJsonl(readFileSync(join(out, 'summary.jsonl'), 'utf8'));
    expect(summary).toHaveLength(22);
    const got = new Map(summary.map((s) => [s.id as string, s.status as string]));
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(expected));
    // one plain progress line per finished task
    expect(res.stderr.match(/^\[\d+\/22\] /gm)).toHaveLength(22);

    const result = (id: string) => JSON.parse(readFileSync(join(out, id, 'result.json'), 'utf8'));
    expect(result('model-err').exit_code).toBe(3);
    expect(result('hang').exit_code).toBe(4);
    expect(result('no-repo')).toMatchObject({ exit_code: 1, reason: expect.stringContaining('not found') });
    // nothing changed on a green ref: done, and no test checked a change (the gate ran none)
    expect(result('on-ref')).toMatchObject({ base_ref: goodRef, verified: null, patch_bytes: 0 });
    expect(result('not-git').reason).toContain('not a git repository');
    expect(result('bad-ref').reason).toContain('ref "no-such-branch" not found');
    expect(result('bad-model').reason).toContain('missing.jsonl');
    const t00 = result('t00');
    expect(t00).toMatchObject({ exit_code: 0, verified: true, base_ref: heads[0] });
    expect(t00.tests_after).toMatchObject({ command: 'sh check.sh' });
    expect(t00.tokens.input_tokens).toBeGreaterThan(0);
    expect(result('t01')).toMatchObject({ exit_code: 1, verified: false, patch_bytes: 0 });

    // every task has its three files; events end in run_end
    for (const id of expected.keys()) {
      for (const f of ['result.json', 'events.jsonl', 'patch.diff']) expect(existsSync(join(out, id, f))).toBe(true);
    }
    const events = parseJsonl(readFileSync(join(out, 't02', 'events.jsonl'), 'utf8'));
    expect(events[0]?.type).toBe('run_start');
    expect(events.at(-1)).toMatchObject({ type: 'run_end', status: 'done' });

    // a fixed task's patch applies with git apply to a fresh checkout of its base
    const check = join(work, 'apply-check');
    execFileSync('git', ['clone', '-q', repos[2]?.dir as string, check]);
    execFileSync('git', ['apply', join(out, 't02', 'patch.diff')], { cwd: check });
    expect(readFileSync(join(check, 'value.txt'), 'utf8')).toBe('good r2\n');
    expect(readFileSync(join(out, 'url-fix', 'patch.diff'), 'utf8')).toContain('+good r4');

    // the originals are untouched: clean, same HEAD, no worktree left registered; checkouts are gone
    repos.forEach((r, i) => {
      expect(gitOut(r.dir, 'status', '--porcelain', '--ignored', '--untracked-files=all')).toBe('');
      expect(gitOut(r.dir, 'rev-parse', 'HEAD')).toBe(heads[i]);
      expect(gitOut(r.dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
      expect(readFileSync(join(r.dir, 'value.txt'), 'utf8')).toBe(`bad r${i}\n`);
    });
    expect(readdirSync(out).sort()).not.toContain('.work');
    expect(existsSync(join(work, 'HOOK-RAN'))).toBe(false);
  }, 180_000);

  it('refuses a malformed line and a duplicate id before anything runs, naming the lines (exit 2)', async () => {
    const manifest = join(work, 'bad.jsonl');
    const ok = (id: string) => JSON.stringify({ id, repo: repos[0]?.dir, task: taskText('fix', id) });
    writeFileSync(manifest, [ok('a'), '{"id": "b", "repo": ', ok('c'), ok('a'), '{"id":"d","task":"x"}'].join('\n'));
    const before = router.firstTurns.length;
    const out = join(work, 'out-bad');
    const res = await batchInProcess([manifest, '--out', out], { cwd: work, env: env() });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('bad.jsonl:2: not valid JSON');
    expect(res.stderr).toContain('bad.jsonl:4: duplicate id "a" (first on line 1)');
    expect(res.stderr).toContain('bad.jsonl:5: "repo" must be a non-empty string');
    expect(router.firstTurns.length).toBe(before);
    expect(existsSync(out)).toBe(false);
  });
});
