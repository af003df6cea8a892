/**
 * The seatbelt profile under the real /usr/bin/sandbox-exec: macOS only. Elsewhere the whole file is skipped
 * with the reason printed (the profile's text, the platform choice and the spawn path are checked on every
 * machine by sandbox-seatbelt.test.ts). Not run in this project's Linux CI.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/exec/sandbox.js';
import { runCommand } from '../../src/exec/spawn.js';

const onMac = process.platform === 'darwin' && existsSync('/usr/bin/sandbox-exec');
if (!onMac) console.warn(`macOS sandbox tests skipped: they need /usr/bin/sandbox-exec (this is ${process.platform})`);
const suite = onMac ? describe : describe.skip;

let base: string;
let home: string;
let ws: string;
let sandbox: Sandbox;
const run = (cmd: string, sb: Sandbox = sandbox) =>
  runCommand(cmd, { cwd: ws, timeoutMs: 20_000, launcher: sb.launcher(), env: { HOME: home } });

suite('sandbox-exec sandbox (workspace-write)', () => {
  beforeAll(() => {
    // under the real temp dir on purpose: /var/folders/... is /private/var/folders/... to the kernel
    base = mkdtempSync(join(tmpdir(), 'sedge-mac-'));
    home = join(base, 'home');
    ws = join(base, 'app');
    for (const d of [join(home, '.ssh'), join(home, '.aws'), join(home, '.config', 'sedge'), ws])
      mkdirSync(d, { recursive: true });
    mkdirSync(join(base, 'app-evil'));
    writeFileSync(join(home, '.ssh', 'id_rsa'), 'CANARY-SSH-KEY\n');
    writeFileSync(join(home, '.aws', 'credentials'), 'CANARY-AWS\n');
    writeFileSync(join(home, '.config', 'sedge', 'config.json'), '{"CANARY":"CANARY-CONFIG"}\n');
    writeFileSync(join(home, '.bashrc'), 'orig\n');
    execFileSync('git', ['init', '-q'], { cwd: ws });
    rmSync(join(ws, '.git', 'hooks'), { recursive: true, force: true });
    symlinkSync(join(home, '.ssh', 'id_rsa'), join(ws, 'key-link'));
    symlinkSync(join(base, 'app-evil'), join(ws, 'evil-dir'));
    sandbox = createSandbox({
      mode: 'workspace-write',
      workspace: ws,
      env: { HOME: home },
      configDir: join(home, '.config', 'sedge'),
    });
  });
  afterAll(() => {
    sandbox?.dispose();
    rmSync(base, { recursive: true, force: true });
  });

  it('is sandbox-exec, and a command runs in the workspace', async () => {
    expect(sandbox.kind).toBe('seatbelt');
    const r = await run('echo hi > made.txt && cat made.txt && pwd');
    expect(r.exitCode, r.output).toBe(0);
    expect(readFileSync(join(ws, 'made.txt'), 'utf8')).toBe('hi\n');
  });

  it('cannot write outside the workspace: HOME, a sibling with the same prefix, through a symlinked dir', async () => {
    for (const cmd of [
      `echo x >> ${JSON.stringify(join(home, '.bashrc'))}`,
      `echo x > ${JSON.stringify(join(base, 'app-evil', 'f'))}`,
      'echo x > evil-dir/f',
      'echo x > /tmp/sedge-mac-escape',
    ]) {
      const r = await run(cmd);
      expect(r.exitCode, cmd).not.toBe(0);
    }
    expect(readFileSync(join(home, '.bashrc'), 'utf8')).toBe('orig\n');
    expect(existsSync(join(base, 'app-evil', 'f'))).toBe(false);
  });

  it('writes its temp files to the private TMPDIR', async () => {
    const r = await run('f=$(mktemp) && echo ok > "$f" && cat "$f" && echo "$TMPDIR"');
    expect(r.exitCode, r.output).toBe(0);
    expect(r.stdout).toContain(sandbox.scratch);
  });

  it('cannot read credentials or sedge config, also through a symlink in the repo', async () => {
    for (const cmd of [
      `cat ${JSON.stringify(join(home, '.ssh', 'id_rsa'))}`,
      `cat ${JSON.stringify(join(home, '.aws', 'credentials'))}`,
      `cat ${JSON.stringify(join(home, '.config', 'sedge', 'config.json'))}`,
      'cat key-link',
    ]) {
      const r = await run(cmd);
      expect(r.output, cmd).not.toContain('CANARY');
      expect(r.exitCode, cmd).not.toBe(0);
    }
  });

  it('keeps .git/hooks, .git/config and .sedge read-only, also when absent, and .git where it is', async () => {
    for (const cmd of [
      'mkdir -p .git/hooks && echo x > .git/hooks/pre-commit',
      'echo "[core]" >> .git/config',
      'mkdir .sedge',
      'mv .git .git-moved',
    ]) {
      const r = await run(cmd);
      expect(r.exitCode, cmd).not.toBe(0);
    }
    expect(existsSync(join(ws, '.git', 'hooks', 'pre-commit'))).toBe(false);
    expect(existsSync(join(ws, '.sedge'))).toBe(false);
    expect(existsSync(join(ws, '.git', 'HEAD'))).toBe(true);
    // the rest of .git stays usable: git can commit
    const r = await run('git -c user.name=t -c user.email=t@t.invalid commit -q --allow-empty -m x && echo committed');
    expect(r.stdout, r.output).toContain('committed');
  });

  it('has no network and no /dev/tty', async () => {
    const net = await run('curl -sS --max-time 5 https://example.com -o /dev/null');
    expect(net.exitCode).not.toBe(0);
    const tty = await run('exec 3</dev/tty && echo opened');
    expect(tty.stdout).not.toContain('opened');
  });

  it('does not exec setuid programs', async () => {
    const r = await run('/usr/bin/sudo -n true');
    expect(r.exitCode).not.toBe(0);
  });

  it('has the network with network: true', async () => {
    const sb = createSandbox({ mode: 'workspace-write', workspace: ws, env: { HOME: home }, network: true });
    try {
      const r = await run('curl -sS --max-time 10 -o /dev/null -w "%{http_code}" https://example.com', sb);
      // offline machines cannot tell; a connection refused by the sandbox is "Operation not permitted"
      expect(r.output).not.toMatch(/Operation not permitted/);
    } finally {
      sb.dispose();
    }
  });

  it('reads outside the workspace still work (toolchains), e.g. the real home dir listing', async () => {
    const r = await run(`ls ${JSON.stringify(realpathSync(homedir()))} > /dev/null && echo listed`);
    expect(r.stdout).toContain('listed');
  });
});
