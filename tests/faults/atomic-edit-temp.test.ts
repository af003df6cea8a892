import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readdirSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../support/cli.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

let repo: { dir: string; cleanup: () => void };
let home: TempHome;
let server: ScriptedServer;
beforeEach(async () => {
  home = makeTempHome();
  repo = makeTempRepo({ 'a.txt': 'a\n' });
  server = await startScriptedServer();
});
afterEach(async () => {
  await server.close();
  repo.cleanup();
  home.cleanup();
});

const env = () => ({
  PATH: process.env.PATH ?? '',
  ...home.env,
  OPENAI_BASE_URL: server.baseURL,
  OPENAI_API_KEY: 'sk-test-atomic-1',
  SEDGE_MODEL: 'scripted-model',
});
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });
const isTemp = (name: string | null) => Boolean(name && /\.tmp$/.test(name));

/** Start an edit of a 16 MB file and SIGKILL sedge as soon as its temp file appears (wherever it is). */
async function killMidEdit(): Promise<boolean> {
  server.push({ tool_calls: [{ name: 'sed', arguments: { path: 'big.txt', script: 's/^x/y/' } }] }, { text: 'done' });
  const child = spawn(process.execPath, [BIN, 'exec', '--json', '--yes', '--no-verify', 'edit big.txt'], {
    cwd: repo.dir,
    env: env(),
    stdio: 'ignore',
  });
  const tmpDir = join(repo.dir, '.git', 'sedge-tmp');
  mkdirSync(tmpDir, { recursive: true });
  let hit = false;
  const watchers: FSWatcher[] = [];
  const onEvent = (_: string, name: string | null) => {
    if (!hit && isTemp(name)) {
      hit = true;
      child.kill('SIGKILL');
    }
  };
  watchers.push(watch(repo.dir, onEvent), watch(tmpDir, onEvent));
  await new Promise((resolve) => child.on('close', resolve));
  for (const w of watchers) w.close();
  return hit;
}

describe('issue 13.7: kill -9 during a sed edit', () => {
  it('leaves no temp file in the work tree, and the next start removes the one in the git dir', async () => {
    const fd = openSync(join(repo.dir, 'big.txt'), 'w');
    const line = Buffer.from(`x${'-'.repeat(1022)}\n`);
    const block = Buffer.concat(Array.from({ length: 1024 }, () => line));
    for (let i = 0; i < 16; i++) writeSync(fd, block);
    closeSync(fd);
    git(repo.dir, 'add', 'big.txt');
    git(repo.dir, 'commit', '-qm', 'big');
    let kills = 0;
    for (let i = 0; i < 4; i++) {
      if (await killMidEdit()) kills++;
      const stray = git(repo.dir, 'status', '--porcelain', '--ignored', '--untracked-files=all')
        .split('\n')
        .filter((l) => l.includes('.tmp'));
      expect(stray).toEqual([]);
    }
    expect(kills).toBeGreaterThan(0);
    // a new run sweeps what the killed writers left in the git dir
    server.push({ text: 'nothing to do' });
    const res = await runCli(['exec', '--json', '--yes', '--no-verify', 'noop'], { cwd: repo.dir, env: env() });
    expect(res.code).toBe(0);
    expect(readdirSync(join(repo.dir, '.git', 'sedge-tmp'))).toEqual([]);
  }, 120_000);
});
