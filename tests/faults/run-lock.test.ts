import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireRunLock, lockPathFor, processStart } from '../../src/fs/run-lock.js';
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
  OPENAI_API_KEY: 'sk-test-lock-1',
  SEDGE_MODEL: 'scripted-model',
});
const locks = () => join(home.env.XDG_STATE_HOME, 'sedge', 'locks');

describe('issue 13.9: one run per work tree', () => {
  it('a second sedge exec in the same tree fails with a clear message while the first runs; --no-lock overrides', async () => {
    // first run: a command that waits until the test lets it go
    const gate = join(home.dir, 'go');
    server.push(
      {
        tool_calls: [
          { name: 'shell', arguments: { command: `echo first-running; until [ -e ${gate} ]; do sleep 0.05; done` } },
        ],
      },
      { text: 'first done' },
    );
    const first = spawn(process.execPath, [BIN, 'exec', '--json', '--sandbox', 'off', '--no-verify', 'first'], {
      cwd: repo.dir,
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    await new Promise<void>((resolve) =>
      first.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('first-running')) resolve();
      }),
    );
    const second = await runCli(['exec', '--json', '--yes', '--no-verify', 'second'], { cwd: repo.dir, env: env() });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/another sedge run \(pid \d+, session [\w-]+, since .*\) is working in .*--no-lock/);
    expect(server.requests).toHaveLength(1);

    server.push({ text: 'second done' });
    const forced = await runCli(['exec', '--json', '--yes', '--no-verify', '--no-lock', 'second'], {
      cwd: repo.dir,
      env: env(),
    });
    expect(forced.code).toBe(0);

    writeFileSync(gate, '');
    expect(await new Promise((resolve) => first.on('close', resolve))).toBe(0);
    // released: a third run takes it
    server.push({ text: 'third done' });
    expect(
      (await runCli(['exec', '--json', '--yes', '--no-verify', 'third'], { cwd: repo.dir, env: env() })).code,
    ).toBe(0);
  }, 60_000);

  it('a stale lock (owner gone, or its pid reused by another process) is taken over', () => {
    mkdirSync(locks(), { recursive: true });
    const path = lockPathFor(locks(), repo.dir);
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 7, start: 1, session: 'dead', since: 'then' }));
    acquireRunLock(locks(), repo.dir, 's1').release();
    // our own parent pid is alive, but with a different start time it is a reused pid
    writeFileSync(
      path,
      JSON.stringify({ pid: process.ppid, start: (processStart(process.ppid) ?? 0) + 1, session: 'x', since: 'y' }),
    );
    acquireRunLock(locks(), repo.dir, 's2').release();
    // a live owner holds it
    writeFileSync(
      path,
      JSON.stringify({ pid: process.ppid, start: processStart(process.ppid), session: 'live', since: 'now' }),
    );
    expect(() => acquireRunLock(locks(), repo.dir, 's3')).toThrow(/session live/);
  });
});
