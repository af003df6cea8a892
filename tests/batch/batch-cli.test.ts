import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonl, runCli } from '../support/cli.js';
import { makeTempHome } from '../support/repo.js';
import { type ScriptedServer, startScriptedServer } from '../support/scripted-server.js';
import { createRouter, gitOut, makeBatchRepo, taskText } from './fixture.js';

let server: ScriptedServer;
let home: ReturnType<typeof makeTempHome>;
let repo: { dir: string; cleanup: () => void };
const router = createRouter();

beforeAll(async () => {
  server = await startScriptedServer([], { fallback: router.route });
  home = makeTempHome();
  repo = makeBatchRepo('cli');
});
afterAll(async () => {
  await server.close();
  repo.cleanup();
  home.cleanup();
});

describe('sedge batch (built CLI)', () => {
  it('loads no Ink/React, and keeps task checkouts out of a repository that holds --out', async () => {
    const manifest = join(home.dir, 'tasks.jsonl');
    writeFileSync(
      manifest,
      `${JSON.stringify({ id: 'one', repo: repo.dir, task: taskText('fix', 'one'), test_cmd: 'sh check.sh' })}\n`,
    );
    const logFile = join(home.dir, 'modules.log');
    const hook = join(__dirname, '..', 'support', 'module-log.mjs');
    // --out inside the very repository the task works on
    const res = await runCli(['batch', manifest, '--out', join(repo.dir, 'batch-out')], {
      cwd: home.dir,
      env: {
        ...home.env,
        OPENAI_BASE_URL: server.baseURL,
        OPENAI_API_KEY: 'sk-test-batch-000000',
        SEDGE_MODEL: 'scripted-model',
        NODE_OPTIONS: `--import=${hook}`,
        SEDGE_MODULE_LOG: logFile,
      },
    });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    const summary = parseJsonl(readFileSync(join(repo.dir, 'batch-out', 'summary.jsonl'), 'utf8'));
    expect(summary.map((l) => l.status)).toEqual(['done']);
    // no checkout was made inside the repository: only the output dir is new there
    expect(readdirSync(join(repo.dir, 'batch-out'))).not.toContain('.work');
    expect(gitOut(repo.dir, 'status', '--porcelain')).toBe('?? batch-out/');
    expect(gitOut(repo.dir, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);

    const loaded = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((u) => u.startsWith('file://'))
      .map((u) => fileURLToPath(u.split(' ')[0] as string));
    expect(loaded.some((p) => p.includes('/dist/bin/batch-'))).toBe(true);
    const offenders = loaded.filter((p) => {
      const text = readFileSync(p, 'utf8');
      return text.includes('ink-root') || text.includes('react.transitional.element');
    });
    expect(offenders).toEqual([]);
  }, 120_000);
});
