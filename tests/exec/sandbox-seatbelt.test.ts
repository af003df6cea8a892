/**
 * The macOS sandbox, checked where it can be on any machine: the SBPL profile's text (each intent of the
 * bubblewrap sandbox is there; no path ever enters the text), the choice of sandbox by platform, and the
 * spawn path (a stand-in for /usr/bin/sandbox-exec that records its arguments and runs the command). Running
 * the profile under the real sandbox-exec is tests/exec/sandbox-macos.test.ts (macOS only).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox, planSandbox, sandboxKindFor, SandboxUnavailableError } from '../../src/exec/sandbox.js';
import {
  checkSeatbeltPath,
  SEATBELT_PATH,
  SeatbeltPathError,
  seatbeltArgs,
  seatbeltProfile,
} from '../../src/exec/sandbox-seatbelt.js';
import { runCommand } from '../../src/exec/spawn.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function tempDir(): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), 'sedge-sbpl-')));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

// canonical paths as macOS would report them: /tmp and /var are symlinks into /private there
const macRealpath = (p: string) => (/^\/(tmp|var)(\/|$)/.test(p) ? `/private${p}` : p);
const base = {
  mode: 'workspace-write' as const,
  workspace: '/Users/ann/app',
  tmpDir: '/var/folders/x/T/sedge-sandbox-1',
  masked: ['/Users/ann/.ssh', '/Users/ann/.netrc', '/Users/ann/.config/sedge'],
  protectedPaths: ['/Users/ann/app/.git/hooks', '/Users/ann/app/.git/config', '/Users/ann/app/.sedge'],
  realpath: macRealpath,
};

/** The parameters named in rules with the given operation and verb, resolved to paths. */
function paramsIn(profile: string, params: Record<string, string>, rule: RegExp): string[] {
  const lines = profile.split('\n').filter((l) => rule.test(l));
  const names = lines.flatMap((l) => [...l.matchAll(/\(param "([A-Z0-9_]+)"\)/g)].map((m) => m[1] as string));
  return [...new Set(names)].map((n) => params[n] as string);
}

describe('the seatbelt (sandbox-exec) profile', () => {
  it('denies by default, and names no path in its text: every path is a -D parameter', () => {
    const { profile, params } = seatbeltProfile(base);
    expect(profile.startsWith('(version 1)\n')).toBe(true);
    expect(profile).toContain('(deny default)');
    expect(profile).not.toContain('/Users/ann');
    expect(profile).not.toContain('sedge-sandbox-1');
    expect(Object.values(params)).toContain('/Users/ann/app');
    const args = seatbeltArgs({ profile, params });
    expect(args.slice(0, 2)).toEqual(['-p', profile]);
    for (const [k, v] of Object.entries(params)) expect(args).toContain(`${k}=${v}`);
  });

  it('makes the workspace and the private temp dir writable (both spellings), nothing else', () => {
    const { profile, params } = seatbeltProfile(base);
    const writable = paramsIn(profile, params, /^\(allow file-write\*/);
    expect(writable).toEqual(
      expect.arrayContaining([
        '/Users/ann/app',
        '/var/folders/x/T/sedge-sandbox-1',
        '/private/var/folders/x/T/sedge-sandbox-1',
      ]),
    );
    // anything else written only as a literal device
    expect(profile).toMatch(/\(allow file-write-data \(literal "\/dev\/null"\)/);
    const ro = seatbeltProfile({ ...base, mode: 'read-only' });
    const roWritable = paramsIn(ro.profile, ro.params, /^\(allow file-write\*/);
    expect(roWritable).not.toContain('/Users/ann/app');
    expect(roWritable).toContain('/var/folders/x/T/sedge-sandbox-1');
  });

  it('keeps .git/hooks, .git/config and .sedge read-only, also when they do not exist, and .git in place', () => {
    const { profile, params } = seatbeltProfile(base);
    const allowWrite = profile.split('\n').find((l) => l.startsWith('(allow file-write*')) ?? '';
    const lastDeny = profile.split('\n').find((l) => l.startsWith('(deny file-write*')) ?? '';
    for (const p of [...base.protectedPaths, '/Users/ann/app/.git']) {
      const name = Object.keys(params).find((k) => params[k] === p);
      expect(name, p).toBeDefined();
      expect(allowWrite).toMatch(new RegExp(`\\(require-not \\((subpath|literal) \\(param "${name}"\\)\\)\\)`));
      expect(lastDeny).toContain(`(param "${name}")`);
    }
    // .git itself only as a literal: files below it other than hooks and config stay writable (git commit)
    const gitName = Object.keys(params).find((k) => params[k] === '/Users/ann/app/.git');
    expect(profile).toContain(`(literal (param "${gitName}"))`);
    expect(profile).not.toContain(`(subpath (param "${gitName}"))`);
  });

  it('hides the credential paths and sedge config from reads and writes, and /dev/tty', () => {
    const { profile, params } = seatbeltProfile(base);
    const denyRead = paramsIn(profile, params, /^\(deny file-read\*/);
    expect(denyRead).toEqual(expect.arrayContaining(base.masked));
    const allowRead = profile.split('\n').find((l) => l.startsWith('(allow file-read*')) ?? '';
    for (const name of Object.keys(params).filter((k) => k.startsWith('MASKED_')))
      expect(allowRead).toContain(`(require-not (subpath (param "${name}")))`);
    expect(allowRead).toContain('(require-not (literal "/dev/tty"))');
    expect(profile).toMatch(/^\(deny file-read\*.*\(literal "\/dev\/tty"\)/m);
    expect(profile).toMatch(/^\(deny file-write\*.*\(literal "\/dev\/tty"\)/m);
  });

  it('has no network unless asked, and then all of it', () => {
    const off = seatbeltProfile(base).profile;
    expect(off).not.toMatch(/\(allow network/);
    expect(off).not.toMatch(/\(allow system-socket/);
    const on = seatbeltProfile({ ...base, network: true }).profile;
    expect(on).toContain('(allow network-outbound)');
    expect(on).toContain('(allow network-inbound)');
  });

  it('lets processes fork and exec, but not setuid or setgid programs; signals stay inside', () => {
    const { profile } = seatbeltProfile(base);
    expect(profile).toContain('(allow process-fork)');
    expect(profile).toMatch(/\(allow process-exec \(require-all \(require-not \(file-mode #o4000\)\)/);
    expect(profile).toContain('(deny process-exec (file-mode #o4000) (file-mode #o2000))');
    expect(profile).toContain('(allow signal (target same-sandbox))');
    expect(profile).not.toMatch(/\(allow signal\)/);
  });

  it('passes hostile paths only as parameter values: quotes and parentheses never become SBPL', () => {
    const evil = '/Users/ann/x")(allow default)(deny file-read* (subpath "';
    const { profile, params } = seatbeltProfile({
      ...base,
      workspace: evil,
      protectedPaths: [`${evil}/.sedge`],
      masked: ['/Users/ann/.ssh\n(allow default)'],
    });
    expect(profile).not.toContain('(allow default)');
    expect(profile).not.toContain('/Users/ann');
    expect(Object.values(params)).toContain(evil);
    const args = seatbeltArgs({ profile, params });
    // one argv element per parameter: nothing a shell or sandbox-exec could split or re-read as profile
    expect(args.filter((a) => a.includes(evil))).toEqual(
      Object.entries(params)
        .filter(([, v]) => v.includes(evil))
        .map(([k, v]) => `${k}=${v}`),
    );
  });

  it('rejects relative paths, NUL bytes and .. escapes', () => {
    expect(() => checkSeatbeltPath('app')).toThrow(SeatbeltPathError);
    expect(() => checkSeatbeltPath('/a/\0b')).toThrow(SeatbeltPathError);
    expect(() => checkSeatbeltPath('')).toThrow(SeatbeltPathError);
    expect(checkSeatbeltPath('/a/b/../c/')).toBe('/a/c');
    expect(() => seatbeltProfile({ ...base, workspace: 'relative/app' })).toThrow(SeatbeltPathError);
    expect(() => seatbeltProfile({ ...base, masked: ['~/.ssh'] })).toThrow(SeatbeltPathError);
    expect(() => seatbeltArgs({ profile: '(version 1)', params: { 'X=Y': '/a' } })).toThrow(SeatbeltPathError);
  });
});

describe('which sandbox a platform gets', () => {
  it('bubblewrap on Linux, sandbox-exec on macOS, none elsewhere (refused, never unconfined)', () => {
    expect(sandboxKindFor('linux')).toBe('bwrap');
    expect(sandboxKindFor('darwin')).toBe('seatbelt');
    expect(sandboxKindFor('win32')).toBeNull();
    const ws = tempDir();
    expect(() => planSandbox({ mode: 'workspace-write', workspace: ws, platform: 'win32' })).toThrow(
      SandboxUnavailableError,
    );
    expect(planSandbox({ mode: 'off', workspace: ws, platform: 'win32' })).toBeNull();
  });

  it('on macOS: /usr/bin/sandbox-exec by absolute path with the profile; a missing one is refused', () => {
    const ws = tempDir();
    const stand = standIn(tempDir());
    const plan = planSandbox({ mode: 'workspace-write', workspace: ws, platform: 'darwin', seatbeltPath: stand.path });
    expect(plan?.kind).toBe('seatbelt');
    expect(plan?.program).toBe(stand.path);
    expect(plan?.args[0]).toBe('-p');
    if (plan?.kind === 'seatbelt') rmSync(plan.tmpDir, { recursive: true, force: true });
    expect(SEATBELT_PATH).toBe('/usr/bin/sandbox-exec');
    expect(() =>
      planSandbox({ mode: 'workspace-write', workspace: ws, platform: 'darwin', seatbeltPath: '/nonexistent/sbx' }),
    ).toThrow(/sandbox-exec ships with macOS/);
    expect(() =>
      planSandbox({ mode: 'workspace-write', workspace: ws, platform: 'darwin', seatbeltPath: 'sandbox-exec' }),
    ).toThrow(SandboxUnavailableError);
    const linux = planSandbox({ mode: 'workspace-write', workspace: ws, platform: 'linux', bwrapPath: stand.path });
    expect(linux?.kind).toBe('bwrap');
  });

  it('on macOS, commands go through sandbox-exec -p PROFILE -D ... with the private TMPDIR', async () => {
    const ws = tempDir();
    const stand = standIn(tempDir());
    const home = tempDir();
    mkdirSync(join(ws, '.git'));
    const sb = createSandbox({
      mode: 'workspace-write',
      workspace: ws,
      platform: 'darwin',
      seatbeltPath: stand.path,
      env: { HOME: home },
      configDir: join(home, '.config', 'sedge'),
    });
    try {
      expect(sb.kind).toBe('seatbelt');
      expect(sb.describe()).toMatch(/^workspace-write \(sandbox-exec .*network off/);
      const res = await runCommand('echo "tmp=$TMPDIR"', { cwd: ws, timeoutMs: 20_000, launcher: sb.launcher() });
      expect(res.exitCode, res.output).toBe(0);
      expect(res.stdout).toContain(`tmp=${sb.scratch}/`);
      // what sandbox-exec was given, the probe's call and the command's
      const calls = readFileSync(stand.log, 'utf8').split('--call--\n').slice(0, -1);
      expect(calls.length).toBe(2);
      const argv = (calls[1] as string).split('\n').slice(0, -1);
      expect(argv[0]).toBe('-p');
      expect(argv.slice(1).join('\n')).toContain('(deny default)');
      expect(argv).toContain(`WRITABLE_0=${ws}`);
      expect(argv).toContain(`READONLY_1=${join(ws, '.git', 'config')}`);
      expect(argv).toContain(`MASKED_0=${join(home, '.ssh')}`);
      expect(argv.some((a) => a === `-D`)).toBe(true);
    } finally {
      sb.dispose();
    }
  });
});

/**
 * A stand-in for sandbox-exec on Linux: writes the arguments it got (one a line, each call ended by a
 * `--call--` line), skips `-p PROFILE` and every `-D K=V`, and runs the rest, as sandbox-exec would (without confining).
 */
function standIn(dir: string): { path: string; log: string } {
  const path = join(dir, 'sandbox-exec');
  const log = join(dir, 'calls.log');
  writeFileSync(
    path,
    `#!/bin/bash
{ printf '%s\\n' "$@"; printf -- '--call--\\n'; } >> ${JSON.stringify(log)}
while [ $# -gt 0 ]; do
  case "$1" in -p|-D) shift 2 ;; *) break ;; esac
done
exec "$@"
`,
  );
  chmodSync(path, 0o755);
  return { path, log };
}
