import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShellSession, type ShellSession } from '../../src/exec/pty.js';
import {
  bwrapArgs,
  createSandbox,
  findBwrap,
  openSandbox,
  type Sandbox,
  SandboxUnavailableError,
  startSandbox,
} from '../../src/exec/sandbox.js';
import { runCommand } from '../../src/exec/spawn.js';

/** Skips without bwrap, except under CI=true where bwrap is installed and a skip would hide a failure. */
const bwrap = findBwrap('/nonexistent');
const ci = process.env.CI === 'true';
if (!bwrap && !ci) console.warn('sandbox tests skipped: bubblewrap (bwrap) is not installed');
const suite = bwrap || ci ? describe : describe.skip;
const has = (cmd: string) => {
  try {
    execFileSync('/bin/sh', ['-c', `command -v ${cmd}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
};

const T = { timeoutMs: 20_000 };
let base: string;
let home: string;
let ws: string;
let sandbox: Sandbox;
let shell: ShellSession;

// Outside /tmp (the sandbox's /tmp is private), so HOME and the siblings are really visible inside.
function testBase(): string {
  for (const dir of ['/var/tmp', tmpdir()])
    try {
      return realpathSync(mkdtempSync(join(dir, 'sedge-sbx-')));
    } catch {
      // next
    }
  throw new Error('no temp dir');
}

suite('bubblewrap sandbox (workspace-write)', () => {
  beforeAll(() => {
    base = testBase();
    home = join(base, 'home');
    ws = join(base, 'app');
    for (const d of [join(home, '.ssh'), join(home, '.aws'), join(home, '.config', 'sedge'), ws])
      mkdirSync(d, { recursive: true });
    mkdirSync(join(base, 'app-evil'));
    mkdirSync(join(base, 'sibling'));
    writeFileSync(join(home, '.bashrc'), 'orig\n');
    writeFileSync(join(home, '.ssh', 'id_rsa'), 'CANARY-SSH-KEY\n');
    writeFileSync(join(home, '.aws', 'credentials'), 'CANARY-AWS\n');
    writeFileSync(join(home, '.config', 'sedge', 'config.json'), '{"CANARY":"CANARY-CONFIG"}\n');
    writeFileSync(join(base, 'sibling', 'file'), 'orig\n');
    execFileSync('git', ['init', '-q'], { cwd: ws });
    rmSync(join(ws, '.git', 'hooks'), { recursive: true, force: true });
    symlinkSync(join(base, 'sibling', 'file'), join(ws, 'link-file'));
    symlinkSync(join(base, 'sibling'), join(ws, 'link-dir'));
    symlinkSync(join(base, 'sibling', 'new'), join(ws, 'dangling'));
    symlinkSync(join(home, '.ssh', 'id_rsa'), join(ws, 'key-link'));
    sandbox = createSandbox({
      mode: 'workspace-write',
      workspace: ws,
      env: { HOME: home, PATH: process.env.PATH },
      configDir: join(home, '.config', 'sedge'),
      maxProcesses: 64,
    });
    shell = createShellSession({
      cwd: ws,
      env: { HOME: home },
      launcher: (dir) => sandbox.launcher([dir]),
      killGraceMs: 200,
    });
  });
  afterAll(async () => {
    await shell?.dispose();
    sandbox?.dispose();
    rmSync(base, { recursive: true, force: true });
  });

  it('runs commands in the workspace, which is writable', async () => {
    const r = await shell.run('pwd; echo hi > made.txt && cat made.txt; echo tmp > /tmp/t && cat /tmp/t', T);
    expect(r).toMatchObject({ exitCode: 0, output: `${ws}\nhi\ntmp` });
    expect(readFileSync(join(ws, 'made.txt'), 'utf8')).toBe('hi\n');
  });

  it('refuses writes outside the workspace and leaves the targets untouched', async () => {
    const attempts = [
      'echo pwned >> ~/.bashrc',
      'echo pwned > /etc/sedge-pwned',
      'echo pwned > ../sibling/file',
      'echo pwned > ../sibling/new2',
      'echo pwned > link-file',
      'echo pwned > link-dir/file',
      'echo pwned > link-dir/new3',
      'echo pwned > dangling',
      'echo pwned > ../app-evil/f',
      'mkdir ../app-evil/d',
    ];
    for (const cmd of attempts) {
      const r = await shell.run(cmd, T);
      expect(r.exitCode, cmd).not.toBe(0);
    }
    expect(readFileSync(join(home, '.bashrc'), 'utf8')).toBe('orig\n');
    expect(readFileSync(join(base, 'sibling', 'file'), 'utf8')).toBe('orig\n');
    expect(readdirSync(join(base, 'sibling')).sort()).toEqual(['file']);
    expect(readdirSync(join(base, 'app-evil'))).toEqual([]);
    expect(existsSync('/etc/sedge-pwned')).toBe(false);
  });

  it('keeps .git/hooks, .git/config and .sedge read-only, also when absent', async () => {
    const before = readFileSync(join(ws, '.git', 'config'), 'utf8');
    for (const cmd of [
      'echo x >> .git/config',
      'echo "#!/bin/sh" > .git/hooks/pre-commit',
      'echo {} > .sedge/config.json',
      'rm -rf .sedge',
    ]) {
      expect((await shell.run(cmd, T)).exitCode, cmd).not.toBe(0);
    }
    expect(readFileSync(join(ws, '.git', 'config'), 'utf8')).toBe(before);
    expect(existsSync(join(ws, '.git', 'hooks', 'pre-commit'))).toBe(false);
    expect(existsSync(join(ws, '.sedge', 'config.json'))).toBe(false);
  });

  it('removes the empty mount points it created when disposed', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'sedge-sbx-mp-')));
    const sb = createSandbox({ mode: 'workspace-write', workspace: dir, env: { HOME: '/nonexistent' } });
    await runCommand('true', { cwd: dir, timeoutMs: 20_000, launcher: sb.launcher() });
    sb.dispose();
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('masks credentials, also through a symlink in the repo, and sedge config', async () => {
    for (const cmd of [
      'cat ~/.ssh/id_rsa',
      'cat ~/.aws/credentials',
      'cat key-link',
      `cat ${join(home, '.config', 'sedge', 'config.json')}`,
    ]) {
      const r = await shell.run(cmd, T);
      expect(r.exitCode, cmd).not.toBe(0);
      expect(r.output).not.toContain('CANARY');
    }
  });

  it('has no network: bash /dev/tcp, node and python sockets, curl, wget, nc, DNS', async () => {
    const cmds = [
      'exec 3<>/dev/tcp/1.1.1.1/80',
      `node -e "require('net').connect(80,'1.1.1.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))"`,
      `node -e "require('dns').lookup('example.com',(e)=>process.exit(e?1:0))"`,
      'getent hosts example.com',
    ];
    if (has('python3')) cmds.push(`python3 -c "import socket; socket.create_connection(('1.1.1.1', 80), timeout=3)"`);
    if (has('curl')) cmds.push('curl -sS -m 5 http://1.1.1.1/');
    if (has('wget')) cmds.push('wget -q -T 5 -O- http://1.1.1.1/');
    if (has('nc')) cmds.push('nc -w 3 1.1.1.1 80 </dev/null');
    for (const cmd of cmds) expect((await shell.run(cmd, T)).exitCode, cmd).not.toBe(0);
    // a network namespace of its own: only the loopback device
    expect((await shell.run("awk 'NR>2 {print $1}' /proc/net/dev", T)).output.trim()).toBe('lo:');
  });

  it('cannot open /dev/tty, has no capabilities and no_new_privs', async () => {
    expect((await shell.run('echo hi > /dev/tty', T)).exitCode).not.toBe(0);
    const r = await shell.run("grep -E '^(CapEff|CapPrm|NoNewPrivs)' /proc/self/status", T);
    expect(r.output).toMatch(/CapPrm:\s+0+\n/);
    expect(r.output).toMatch(/CapEff:\s+0+\n/);
    expect(r.output).toMatch(/NoNewPrivs:\s+1/);
  });

  it('executes no keystrokes a command pushes onto the terminal (TIOCSTI)', async () => {
    const py = has('python3');
    if (!py && !ci) return console.warn('TIOCSTI test skipped: python3 missing');
    const push =
      'import fcntl, termios, sys\nfor c in "touch pwned-tiocsti\\n":\n  fcntl.ioctl(1, termios.TIOCSTI, c.encode())';
    const r = await shell.run(`python3 -c '${push}'`, T);
    expect(r.exitCode).not.toBe(0);
    await shell.run('true', T);
    expect(existsSync(join(ws, 'pwned-tiocsti'))).toBe(false);
  });

  it('limits the number of processes', async () => {
    const script = `
      const { spawn } = require('node:child_process');
      let ok = 0, failed = 0; const kids = [];
      for (let i = 0; i < 200; i++) {
        try { const c = spawn('sleep', ['30']); c.on('error', () => {}); if (c.pid) { ok++; kids.push(c); } else failed++; }
        catch { failed++; }
      }
      for (const c of kids) c.kill('SIGKILL');
      console.log('started=' + ok + ' refused=' + failed);`;
    const r = await shell.run(`node -e "${script.replace(/"/g, '\\"').replace(/\n/g, ' ')}"`, T);
    const started = Number(/started=(\d+)/.exec(r.output)?.[1]);
    expect(started, r.output).toBeGreaterThan(0);
    expect(started, r.output).toBeLessThan(64);
  });

  it('stops a timed-out command and keeps the shell', async () => {
    await shell.run('cd link-dir 2>/dev/null; cd .; export KEEP=1', T);
    const r = await shell.run('echo started; sleep 30; echo never', { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.output).toBe('started');
    const loop = await shell.run('while :; do :; done; echo never', { timeoutMs: 300 });
    expect(loop.timedOut).toBe(true);
    expect(loop.output).toBe('');
    const after = await shell.run('echo $KEEP; echo next', T);
    expect(after.output).toBe('1\nnext');
  });

  it('runs one-shot commands (the test gate) in the same sandbox', async () => {
    const launcher = sandbox.launcher();
    const ok = await runCommand('echo fine; ls ~/.ssh | wc -l', { cwd: ws, timeoutMs: 20_000, launcher });
    expect(ok).toMatchObject({ exitCode: 0, stdout: 'fine\n0\n' });
    const bad = await runCommand('echo pwned > ../sibling/file', { cwd: ws, timeoutMs: 20_000, launcher });
    expect(bad.exitCode).not.toBe(0);
    expect(readFileSync(join(base, 'sibling', 'file'), 'utf8')).toBe('orig\n');
  });

  it('a contained test run past its timeout ends with everything it started (run from a helper shell)', async () => {
    const launcher = sandbox.launcher();
    const marker = `${process.pid}${Date.now() % 100000}`;
    const r = await runCommand(`sleep 3${marker} & sleep 4${marker} & wait`, {
      cwd: ws,
      timeoutMs: 500,
      launcher,
      contained: true,
    });
    expect(r).toMatchObject({ timedOut: true, exitCode: null });
    const alive = () =>
      readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .some((p) => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker);
          } catch {
            return false;
          }
        });
    const end = Date.now() + 3000;
    while (alive() && Date.now() < end) await new Promise((res) => setTimeout(res, 50));
    expect(alive()).toBe(false);
    const next = await runCommand('echo again', { cwd: ws, timeoutMs: 20_000, launcher, contained: true });
    expect(next).toMatchObject({ exitCode: 0, stdout: 'again\n' });
  });

  it('leaves no process behind when its parent is killed with SIGKILL', async () => {
    const marker = `sedge-orphan-${process.pid}-${Date.now()}`;
    const launcher = sandbox.launcher();
    const script = `
      const { spawn } = require('node:child_process');
      const c = spawn(process.argv[1], process.argv.slice(2), { stdio: ['ignore', 'pipe', 'inherit'] });
      c.stdout.on('data', (d) => { if (String(d).includes('ready')) process.stdout.write('ready\\n'); });`;
    const parent = spawn(
      process.execPath,
      ['-e', script, ...launcher, 'bash', '-c', `(exec -a ${marker} sleep 300) & echo ready; wait`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => parent.stdout.on('data', (d) => String(d).includes('ready') && resolve()));
    const seen = Date.now() + 10_000;
    while (findByMarker(marker).length === 0 && Date.now() < seen) await new Promise((r) => setImmediate(r));
    expect(findByMarker(marker).length).toBeGreaterThan(0);
    const gone = new Promise((r) => parent.on('exit', r));
    parent.kill('SIGKILL');
    await gone;
    const deadline = Date.now() + 10_000;
    while (findByMarker(marker).length > 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(findByMarker(marker)).toEqual([]);
  });
});

suite('bubblewrap sandbox (read-only)', () => {
  it('refuses writes in the workspace too', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'sedge-sbx-ro-')));
    const sb = createSandbox({ mode: 'read-only', workspace: dir, env: { HOME: '/nonexistent' } });
    const r = await runCommand('cat /dev/null && echo x > f', { cwd: dir, timeoutMs: 20_000, launcher: sb.launcher() });
    sb.dispose();
    expect(r.exitCode).not.toBe(0);
    expect(existsSync(join(dir, 'f'))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});

function findByMarker(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').startsWith(marker)) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

describe('no usable sandbox', () => {
  it('is an error naming the cause, never an unconfined sandbox', async () => {
    const spec = { mode: 'workspace-write' as const, workspace: tmpdir() };
    expect(() => createSandbox({ ...spec, bwrapPath: null })).toThrow(/not installed/);
    expect(() => createSandbox({ ...spec, bwrapPath: 'bwrap' })).toThrow(SandboxUnavailableError);
    await expect(openSandbox({ ...spec, bwrapPath: '/bin/false' })).rejects.toThrow(/cannot start a sandbox here/);
    // started now, probed when first needed: the failure comes from ready(), and launches nothing before
    const lazy = startSandbox({ ...spec, bwrapPath: '/bin/false' });
    await expect(lazy.ready()).rejects.toThrow(SandboxUnavailableError);
    lazy.dispose();
    expect((await openSandbox({ ...spec, mode: 'off' })).kind).toBe('none');
  });
});

suite('bubblewrap sandbox and PATH directories under /tmp', () => {
  it("binds sedge's own PATH directories under /tmp too (the shell it starts inside comes from there)", () => {
    const own = realpathSync(mkdtempSync('/tmp/sedge-ownpath-'));
    const saved = process.env.PATH;
    try {
      process.env.PATH = `${own}:${saved ?? ''}`;
      const args = bwrapArgs({
        mode: 'workspace-write',
        workspace: testBase(),
        env: { HOME: '/nonexistent', PATH: '/usr/bin:/bin' },
      });
      expect(args.join(' ')).toContain(`--ro-bind ${own} ${own}`);
    } finally {
      process.env.PATH = saved;
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('binds them read-only into the private /tmp: a tool there runs, and cannot be changed', async () => {
    // a tool installed under the real /tmp (as CI setups and version managers do)
    const tools = realpathSync(mkdtempSync('/tmp/sedge-pathdir-'));
    const bin = join(tools, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'sedge-tmp-tool'), '#!/bin/sh\necho tool-ran\n', { mode: 0o755 });
    const dir = testBase();
    try {
      // the rest of PATH without its own /tmp entries (a checkout under /tmp puts node_modules/.bin there)
      const rest = (process.env.PATH ?? '/usr/bin:/bin')
        .split(':')
        .filter((d) => d !== '/tmp' && !d.startsWith('/tmp/'));
      // (/usr/bin and /bin last: a newcomer's PATH may be one directory under /tmp)
      const PATH = `${bin}:/nonexistent-dir:${[...rest, '/usr/bin', '/bin'].join(':')}`;
      const sb = createSandbox({ mode: 'workspace-write', workspace: dir, env: { HOME: '/nonexistent', PATH } });
      try {
        const opts = { cwd: dir, timeoutMs: 20_000, launcher: sb.launcher(), env: { PATH } };
        const ran = await runCommand('sedge-tmp-tool', opts);
        expect(ran.output.trim()).toBe('tool-ran');
        const write = await runCommand(`echo pwned > ${bin}/sedge-tmp-tool; touch ${bin}/new`, opts);
        expect(write.exitCode).not.toBe(0);
        expect(readFileSync(join(bin, 'sedge-tmp-tool'), 'utf8')).toContain('tool-ran');
        expect(readdirSync(bin)).toEqual(['sedge-tmp-tool']);
        // only that directory (and those of sedge's own PATH under /tmp, where the shell it starts may live):
        // the rest of the real /tmp stays out of sight, the private one writable
        const own = (process.env.PATH ?? '')
          .split(':')
          .filter((d) => d.startsWith('/tmp/') && existsSync(d))
          .map((d) => realpathSync(d).split('/')[2] as string);
        const seen = await runCommand(`ls ${tools}; ls /tmp; echo x > /tmp/ok && cat /tmp/ok`, opts);
        expect([...new Set(seen.stdout.trim().split('\n'))].sort()).toEqual(
          [...new Set(['bin', tools.slice('/tmp/'.length), 'x', ...own])].sort(),
        );
      } finally {
        sb.dispose();
      }
    } finally {
      rmSync(tools, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

suite('bubblewrap probe: once per process and program', () => {
  it('a second sandbox of the same program and network setting starts no second probe; a failure is not remembered', async () => {
    const dir = testBase();
    try {
      const log = join(dir, 'calls.log');
      const wrapper = join(dir, 'bwrap-logging');
      // logs each probe (its command is `sh -c 'exit 0'`), then runs the real bwrap
      writeFileSync(
        wrapper,
        `#!/bin/sh\ncase "$*" in *"-c exit 0") echo probe >> ${JSON.stringify(log)};; esac\nexec ${bwrap ?? '/usr/bin/bwrap'} "$@"\n`,
        { mode: 0o755 },
      );
      const wsA = join(dir, 'a');
      const wsB = join(dir, 'b');
      mkdirSync(wsA);
      mkdirSync(wsB);
      const spec = (workspace: string) => ({
        mode: 'workspace-write' as const,
        workspace,
        env: { HOME: '/nonexistent', PATH: '/usr/bin:/bin' },
        bwrapPath: wrapper,
      });
      const a = startSandbox(spec(wsA));
      const b = startSandbox(spec(wsB));
      try {
        await a.ready();
        await b.ready();
        const probes = () => readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).length;
        expect(probes()).toBe(1);
        // the second sandbox still confines: its own workspace is writable, the first one's is not
        const opts = { cwd: wsB, timeoutMs: 20_000, launcher: b.launcher(), env: { PATH: '/usr/bin:/bin' } };
        expect((await runCommand('echo ok > mine && cat mine', opts)).stdout.trim()).toBe('ok');
        expect((await runCommand(`echo x > ${wsA}/theirs`, opts)).exitCode).not.toBe(0);
      } finally {
        a.dispose();
        b.dispose();
      }
      // a program that cannot start a sandbox fails its probe every time (nothing cached)
      const broken = join(dir, 'bwrap-broken');
      writeFileSync(broken, '#!/bin/sh\necho "no user namespaces" >&2\nexit 1\n', { mode: 0o755 });
      for (let i = 0; i < 2; i++) {
        const c = startSandbox({ ...spec(wsA), bwrapPath: broken });
        await expect(c.ready()).rejects.toThrow(/no user namespaces/);
        c.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
