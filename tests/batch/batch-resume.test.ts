import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, parseJsonl, runCli } from '../support/cli.js';
import { makeTempHome } from '../support/repo.js';
import { type ScriptedServer, startScriptedServer } from '../support/scripted-server.js';
import { createRouter, gitOut, type Kind, makeBatchRepo, taskText } from './fixture.js';

let server: ScriptedServer;
let home: ReturnType<typeof makeTempHome>;
let work: string;
const repos: { dir: string; cleanup: () => void }[] = [];
const router = createRouter();
/** called when a task's first model request arrives (before it is answered) */
let onFirstTurn: (id: string) => void = () => undefined;

beforeAll(async () => {
  server = await startScriptedServer([], {
    fallback: (req) => {
      const before = router.firstTurns.length;
      const step = router.route(req);
      if (router.firstTurns.length > before) onFirstTurn(router.firstTurns.at(-1) as string);
      return step;
    },
  });
  home = makeTempHome();
  work = mkdtempSync(join(tmpdir(), 'sedge-batch-resume-'));
  for (let i = 0; i < 3; i++) repos.push(makeBatchRepo(`r${i}`));
});

afterAll(async () => {
  await server.close();
  for (const r of repos) r.cleanup();
  home.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const env = () => ({
  ...home.env,
  OPENAI_BASE_URL: server.baseURL,
  OPENAI_API_KEY: 'sk-test-batch-000000',
  SEDGE_MODEL: 'scripted-model',
});

describe('sedge batch --resume after SIGKILL of the driver', () => {
  it('ends every task exactly once in summary.jsonl: none lost, none finished twice', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    const lines = ids.map((id, i) => {
      const kind: Kind = i % 3 === 2 ? 'nofix' : 'fix';
      return JSON.stringify({ id, repo: repos[i % 3]?.dir, task: taskText(kind, id), test_cmd: 'sh check.sh' });
    });
    const manifest = join(work, 'tasks.jsonl');
    writeFileSync(manifest, `${lines.join('\n')}\n`);
    const out = join(work, 'out');
    const args = ['batch', manifest, '--out', out, '--concurrency', '3', '--verify-rounds', '0'];

    // First run: killed with SIGKILL the moment the 8th task asks the model for its first turn.
    let child: ChildProcess | undefined;
    let killedAt = '';
    onFirstTurn = (id) => {
      if (router.firstTurns.length === 8 && child) {
        killedAt = id;
        child.kill('SIGKILL');
      }
    };
    const exit = await new Promise<NodeJS.Signals | null>((resolve, reject) => {
      child = spawn(process.execPath, [BIN, ...args], {
        cwd: work,
        env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', ...env() },
        stdio: ['ignore', 'ignore', 'ignore'],
      });
      child.on('error', reject);
      child.on('close', (_code, signal) => resolve(signal));
    });
    expect(exit).toBe('SIGKILL');
    onFirstTurn = () => undefined;
    const firstRun = [...router.firstTurns];
    // a task is finished once its result.json is in place (written last); the kill may come before its summary line,
    // which --resume then repairs
    const finishedBefore = ids.filter((id) => existsSync(join(out, id, 'result.json')));
    expect(finishedBefore.length).toBeGreaterThan(0);
    expect(finishedBefore.length).toBeLessThan(12);
    expect(finishedBefore).not.toContain(killedAt);
    const killedAtMs = Date.now();
    const resultOf = (id: string) => readFileSync(join(out, id, 'result.json'), 'utf8');
    const before = new Map(finishedBefore.map((id) => [id, resultOf(id)]));

    // Without --resume the used DIR is refused.
    const refused = await runCli(args, { cwd: work, env: env() });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--resume');

    const res = await runCli([...args, '--resume'], { cwd: work, env: env() });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(1); // the nofix tasks end tests_failed
    const summary = parseJsonl(readFileSync(join(out, 'summary.jsonl'), 'utf8')).map((l) => l.id as string);
    expect([...summary].sort()).toEqual(ids);
    // a task finished before the kill never ran again; the one in flight did
    const secondRun = router.firstTurns.slice(firstRun.length);
    for (const id of finishedBefore) expect(secondRun).not.toContain(id);
    expect(secondRun).toContain(killedAt);
    // each finished task's result is the one from before the kill; every other task ran after it
    for (const id of ids) {
      if (before.has(id)) expect(resultOf(id)).toBe(before.get(id));
      else expect(Date.parse(JSON.parse(resultOf(id)).started_at)).toBeGreaterThanOrEqual(killedAtMs - 1000);
    }
    expect(res.stderr).toContain(`${finishedBefore.length} already finished`);
    for (const r of repos) {
      expect(gitOut(r.dir, 'status', '--porcelain')).toBe('');
      expect(gitOut(r.dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    }
  }, 180_000);
});
