import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../../src/exec/process-tree.js';
import { runCommand } from '../../src/exec/spawn.js';

let root: string;
const opts = () => ({ cwd: root, timeoutMs: 20_000, killGraceMs: 200 });

/**
 * A Node process starts `sleep 60` in the background of a command (with these extra options) and exits while
 * the command runs: is the sleep still alive 2 s later?
 */
async function outlivesExit(pidName: string, extra: Record<string, unknown>): Promise<boolean> {
  const pidFile = join(root, pidName);
  const spawnJs = join(__dirname, '..', '..', 'dist', 'exec', 'spawn.js');
  const options = JSON.stringify({ cwd: root, timeoutMs: 60_000, ...extra });
  const script =
    `import(${JSON.stringify(spawnJs)}).then(({ runCommand }) => {` +
    `void runCommand('sleep 60 & echo $! > ${pidFile}; wait', ${options});` +
    `setInterval(() => { try { require('node:fs').readFileSync(${JSON.stringify(pidFile)}, 'utf8').trim() && process.exit(0); } catch {} }, 20); });`;
  const r = spawnSync(process.execPath, ['-e', script], { timeout: 20_000 });
  expect(r.status).toBe(0);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const end = Date.now() + 2000;
  while (processAlive(pid) && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
  return processAlive(pid);
}

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'sedge-spawn-test-')));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('runCommand', () => {
  it('separates and interleaves stdout and stderr, with the exact exit code', async () => {
    const r = await runCommand('echo one; echo two >&2; echo three; exit 4', opts());
    expect(r).toMatchObject({
      stdout: 'one\nthree\n',
      stderr: 'two\n',
      exitCode: 4,
      timedOut: false,
      truncated: false,
    });
    expect(r.output.split('\n').sort()).toEqual(['', 'one', 'three', 'two']);
  });

  it('runs bash in the given cwd with CI=1 and no stdin', async () => {
    const r = await runCommand(
      'pwd; echo "$CI ${BASH_VERSION:+bash}"; read x; echo "read=$?"; cat; echo "cat=$?"',
      opts(),
    );
    expect(r.stdout).toMatch(new RegExp(`^${root}\n1 bash\nread=1\ncat=0\n$`));
  });

  it('adds and removes environment variables', async () => {
    process.env.SEDGE_SPAWN_TEST = 'inherited';
    const r = await runCommand('echo "[$SEDGE_SPAWN_TEST][$EXTRA]"', {
      ...opts(),
      env: { SEDGE_SPAWN_TEST: undefined, EXTRA: 'x' },
    });
    delete process.env.SEDGE_SPAWN_TEST;
    expect(r.stdout).toBe('[][x]\n');
  });

  it('kills the whole process group on timeout', async () => {
    const pidFile = join(root, 'bg.pid');
    const r = await runCommand(`echo started; sleep 30 & echo $! > ${pidFile}; sleep 30`, {
      ...opts(),
      timeoutMs: 1000,
    });
    expect(r).toMatchObject({ timedOut: true, stdout: 'started\n' });
    expect(processAlive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('kills the group when the signal aborts', async () => {
    const ac = new AbortController();
    const pending = runCommand('sleep 30', { ...opts(), signal: ac.signal });
    ac.abort();
    expect(await pending).toMatchObject({ interrupted: true, timedOut: false, exitCode: null });
  });

  it('returns when the command exits even if it left a background process holding the pipes', async () => {
    const pidFile = join(root, 'left.pid');
    const r = await runCommand(`sleep 30 & echo $! > ${pidFile}; echo done`, opts());
    expect(r).toMatchObject({ stdout: 'done\n', exitCode: 0, timedOut: false });
    expect(processAlive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('bounds the captured output and says so', async () => {
    const r = await runCommand("head -c 200000 /dev/zero | tr '\\0' a; echo; echo END", {
      ...opts(),
      maxOutputBytes: 1000,
    });
    expect(r.truncated).toBe(true);
    expect(r.stdout.length).toBeLessThan(1200);
    expect(r.stdout).toMatch(/END\n$/);
    expect(r.stdout).toMatch(/characters of output dropped/);
  });

  it('notices binary output', async () => {
    const r = await runCommand("printf 'a\\000b\\001'", opts());
    expect(r.stdout).toMatch(/^\[binary output omitted: 4 bytes/);
  });

  it('says why a command could not start instead of returning nothing', async () => {
    const r = await runCommand('echo hi', { ...opts(), cwd: join(root, 'no-such-dir') });
    expect(r.exitCode).toBeNull();
    expect(r.stderr).toMatch(/could not start the command: .*ENOENT/);
    expect(r.output).toBe(r.stderr);
  });

  it('ends the command when sedge exits while it runs', async () => {
    expect(await outlivesExit('orphan.pid', {})).toBe(false);
  });

  describe('a contained launcher (run from a helper shell)', () => {
    // `env` stands in for bwrap here: it runs bash as its child, and `contained` says nothing can outlive it
    const contained = () => ({ ...opts(), launcher: ['env'], contained: true });

    it('gives the same output, interleaving and exit code', async () => {
      const r = await runCommand('echo one; echo two >&2; printf three; exit 4', contained());
      expect(r).toMatchObject({ stdout: 'one\nthree', stderr: 'two\n', exitCode: 4, timedOut: false });
      expect(r.output).toContain('two\n');
    });

    it('keeps the order in which the two streams wrote (the test log reads as the terminal would)', async () => {
      const r = await runCommand(
        'for i in 1 2 3; do echo "out $i"; sleep 0.05; echo "err $i" >&2; sleep 0.05; done; printf "PAS"; sleep 0.05; echo "S"',
        contained(),
      );
      expect(r.output).toBe('out 1\nerr 1\nout 2\nerr 2\nout 3\nerr 3\nPASS\n');
    });

    it('streams long output into the bounded capture', async () => {
      const r = await runCommand("head -c 3000000 /dev/zero | tr '\\0' a; echo; echo END", {
        ...contained(),
        maxOutputBytes: 1000,
      });
      expect(r.truncated).toBe(true);
      expect(r.stdout).toMatch(/END\n$/);
      expect(r.stdout).not.toMatch(/SEDGE_END/);
    });

    it('times out and aborts like a direct run', async () => {
      const t = await runCommand('sleep 30', { ...contained(), timeoutMs: 300 });
      expect(t).toMatchObject({ timedOut: true, interrupted: false, exitCode: null });
      const ac = new AbortController();
      const pending = runCommand('sleep 30', { ...contained(), signal: ac.signal });
      setTimeout(() => ac.abort(), 100);
      expect(await pending).toMatchObject({ interrupted: true, timedOut: false, exitCode: null });
      const after = await runCommand('echo still works', contained());
      expect(after.stdout).toBe('still works\n');
    });

    it('a missing directory is a clear start error', async () => {
      const r = await runCommand('echo hi', { ...contained(), cwd: join(root, 'gone') });
      expect(r.exitCode).toBeNull();
      expect(r.stderr).toMatch(/could not start the command: no such directory/);
    });

    it('ends the command when sedge exits while it runs', async () => {
      expect(await outlivesExit('helper-orphan.pid', { launcher: ['env'], contained: true })).toBe(false);
    });
  });
});
