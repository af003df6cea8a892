import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShellSession, type ShellSession } from '../../src/exec/pty.js';

const hasPython = (() => {
  try {
    execFileSync('python3', ['-c', 'import fcntl, termios; termios.TIOCSTI'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasPython && process.env.CI !== 'true') console.warn('TIOCSTI test skipped: python3 with termios missing');
const suite = hasPython || process.env.CI === 'true' ? describe : describe.skip;

let root: string;
let shell: ShellSession;
beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'sedge-tiocsti-')));
  shell = createShellSession({ cwd: root, killGraceMs: 200 });
});
afterAll(async () => {
  await shell.dispose();
  rmSync(root, { recursive: true, force: true });
});

const push = (text: string) =>
  `python3 -c 'import fcntl, termios\nfor c in ${JSON.stringify(text)}:\n  fcntl.ioctl(1, termios.TIOCSTI, c.encode())'`;

suite('the unsandboxed persistent shell (--sandbox off)', () => {
  it('never executes keystrokes a command pushed onto its terminal, with or without a newline', async () => {
    await shell.run(push('touch pwned-line\n'), { timeoutMs: 20_000 });
    expect((await shell.run('echo next', { timeoutMs: 20_000 })).output).toBe('next');
    await shell.run(push('touch pwned-prefix; '), { timeoutMs: 20_000 });
    expect((await shell.run('echo next', { timeoutMs: 20_000 })).output).toBe('next');
    expect(existsSync(join(root, 'pwned-line'))).toBe(false);
    expect(existsSync(join(root, 'pwned-prefix'))).toBe(false);
  });
});
