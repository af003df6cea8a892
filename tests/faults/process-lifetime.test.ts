import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../../src/exec/process-tree.js';
import { createShellSession } from '../../src/exec/pty.js';
import { runCommand } from '../../src/exec/spawn.js';
import { runTests } from '../../src/repo/test-run.js';

let root: string;
beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'sedge-lifetime-')));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const pidsIn = (file: string) => readFileSync(file, 'utf8').split(/\s+/).filter(Boolean).map(Number);

/** A free TCP port (bound then released). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ port, host: '127.0.0.1' });
    c.on('connect', () => (c.destroy(), resolve(true)));
    c.on('error', () => resolve(false));
  });
}

describe('issue 13.2: the test gate is never hung by a setsid process holding stdout', () => {
  it('returns when the test command exits, and the setsid process is gone', async () => {
    const pidFile = join(root, 'gate.pid');
    const started = performance.now();
    const r = await runTests(
      {
        command: `setsid bash -c 'echo $$ > ${pidFile}; exec sleep 300' & sleep 0.2; echo "1 passed"`,
        cwd: root,
        runner: 'unknown',
      } as never,
      { timeoutMs: 60_000 },
    );
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(r.exitCode).toBe(0);
    expect(processAlive(pidsIn(pidFile)[0] as number)).toBe(false);
  }, 30_000);

  it('the timeout ends a command whose setsid child holds stdout', async () => {
    const pidFile = join(root, 'timeout.pid');
    const started = performance.now();
    const r = await runCommand(`setsid bash -c 'echo $$ > ${pidFile}; exec sleep 300' & sleep 300`, {
      cwd: root,
      timeoutMs: 1000,
      killGraceMs: 200,
    });
    expect(r.timedOut).toBe(true);
    expect(performance.now() - started).toBeLessThan(8000);
    expect(processAlive(pidsIn(pidFile)[0] as number)).toBe(false);
  }, 30_000);

  it('an abort (Ctrl-C) ends it too', async () => {
    const pidFile = join(root, 'abort.pid');
    const ac = new AbortController();
    const pending = runCommand(`setsid bash -c 'echo $$ > ${pidFile}; exec sleep 300' & echo up; sleep 300`, {
      cwd: root,
      timeoutMs: 60_000,
      killGraceMs: 200,
      signal: ac.signal,
    });
    while (!readFileSync(pidFile, { flag: 'a+' }).length) await new Promise((r) => setImmediate(r));
    const started = performance.now();
    ac.abort();
    expect((await pending).interrupted).toBe(true);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(processAlive(pidsIn(pidFile)[0] as number)).toBe(false);
  }, 30_000);
});

describe('issue 13.3: daemons do not outlive the command', () => {
  it('setsid jobs, double forks and a setsid HTTP server are ended; the port is released', async () => {
    const pidFile = join(root, 'daemons.pid');
    const port = await freePort();
    const server = join(root, 'server.cjs');
    writeFileSync(
      server,
      `require('fs').appendFileSync(${JSON.stringify(pidFile)}, process.pid + '\\n');` +
        `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1');`,
    );
    const cmd = [
      `setsid bash -c 'echo $$ >> ${pidFile}; exec sleep 300' >/dev/null 2>&1 &`,
      `( ( bash -c 'echo $$ >> ${pidFile}; exec sleep 301' >/dev/null 2>&1 & ) & )`,
      `setsid ${JSON.stringify(process.execPath)} ${server} >/dev/null 2>&1 < /dev/null &`,
      `for i in $(seq 1 200); do [ "$(wc -l < ${pidFile})" -ge 3 ] && break; sleep 0.05; done`,
      `for i in $(seq 1 200); do (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && break; sleep 0.05; done`,
      'echo ready',
    ].join('\n');
    const r = await runCommand(cmd, { cwd: root, timeoutMs: 30_000, killGraceMs: 200 });
    expect(r.stdout).toContain('ready');
    const pids = pidsIn(pidFile);
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(processAlive(pid), `pid ${pid}`).toBe(false);
    expect(await portOpen(port)).toBe(false);
  }, 60_000);
});

describe('issue 13.3: daemons the model starts in the persistent shell end with the session', () => {
  it('a setsid daemon and a double fork started by a shell command are gone after dispose', async () => {
    const pidFile = join(root, 'shell.pid');
    const shell = createShellSession({ cwd: root, killGraceMs: 200 });
    try {
      const r = await shell.run(
        `setsid bash -c 'echo $$ >> ${pidFile}; exec sleep 300' >/dev/null 2>&1 < /dev/null &\n` +
          `( ( bash -c 'echo $$ >> ${pidFile}; exec sleep 301' >/dev/null 2>&1 < /dev/null & ) & )\n` +
          `for i in $(seq 1 200); do [ "$(wc -l < ${pidFile})" -ge 2 ] && break; sleep 0.05; done; echo up`,
        { timeoutMs: 20_000 },
      );
      expect(r.output).toContain('up');
      for (const pid of pidsIn(pidFile)) expect(processAlive(pid)).toBe(true);
    } finally {
      await shell.dispose();
    }
    const pids = pidsIn(pidFile);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(processAlive(pid), `pid ${pid}`).toBe(false);
  }, 60_000);
});
