/**
 * The sandbox every command the model (or the project's test command) runs goes through, chosen by platform.
 * Linux: bubblewrap (the system `bwrap`, found by absolute path outside the workspace): the root filesystem
 * read-only, the workspace and a private /tmp writable (PATH directories under /tmp bound into it read-only),
 * every namespace unshared (network only with `network: true`), a new session (no controlling terminal:
 * /dev/tty cannot be opened and TIOCSTI has no terminal to push into), killed with its parent, all
 * capabilities dropped, credential paths masked, `.git/hooks`, `.git/config` and `.sedge/` read-only even when
 * they do not exist yet, and a process limit (sandbox-limits.ts).
 * macOS: `/usr/bin/sandbox-exec` with a profile of the same intent (sandbox-seatbelt.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  lstatSync,
  mkdtempSync,
  realpathSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join, relative, resolve } from 'node:path';
import { makePidsCgroup, nprocApplies } from './sandbox-limits.js';
import { SEATBELT_PATH, SeatbeltPathError, seatbeltArgs, seatbeltProfile } from './sandbox-seatbelt.js';
import { systemProgram } from './system-programs.js';

export type SandboxMode = 'read-only' | 'workspace-write' | 'off';
export const SANDBOX_MODES: readonly SandboxMode[] = ['read-only', 'workspace-write', 'off'];

type Env = Record<string, string | undefined>;

export interface SandboxSpec {
  mode: SandboxMode;
  /** the writable root (repository or cwd) */
  workspace: string;
  /** allow the network (off by default) */
  network?: boolean;
  /** HOME and XDG dirs of the user whose credentials are masked */
  env?: Env;
  /** sedge's own config dir, masked too */
  configDir?: string;
  /** most processes inside (default 512) */
  maxProcesses?: number;
  /** where bwrap is looked for (PATH of env otherwise); tests point it at nothing to see the refusal */
  bwrapPath?: string | null;
  /** the platform whose sandbox is used (process.platform); tests choose */
  platform?: NodeJS.Platform;
  /** sandbox-exec (always /usr/bin/sandbox-exec; tests on Linux point it at a stand-in to check the plumbing) */
  seatbeltPath?: string;
}

export interface Sandbox {
  mode: SandboxMode;
  /** 'bwrap' (Linux), 'seatbelt' (macOS sandbox-exec), or 'none' when mode is off */
  kind: 'bwrap' | 'seatbelt' | 'none';
  /**
   * Runs the probe (a command inside the sandbox) on the first call, and settles when it ended: rejects with
   * SandboxUnavailableError when the sandbox cannot start. Await it before running anything through
   * `launcher`. Lazy, so a session's first model request never waits for the probe's process start.
   */
  ready(): Promise<void>;
  /** resolves once no probe is running (dispose() after it, or bwrap may recreate what dispose removed) */
  settled(): Promise<void>;
  /** a writable temp dir inside: the private /tmp (bwrap) or the session's own TMPDIR (sandbox-exec) */
  scratch: string;
  /** argv in front of a program: `[...launcher(extraRo), program, ...args]` runs it confined */
  launcher(readOnlyBinds?: string[]): string[];
  /** one line for doctor and run_start */
  describe(): string;
  /** remove what the sandbox created (an empty cgroup, empty mount points, the macOS private temp dir) */
  dispose(): void;
}

export class SandboxUnavailableError extends Error {
  override name = 'SandboxUnavailableError';
}

/** Credential locations under HOME that no sandboxed command may read. */
export const MASKED_HOME_PATHS = ['.ssh', '.aws', '.config/gh', '.netrc', '.docker', '.gnupg', '.kube'];
/** Paths inside the workspace that stay read-only in workspace-write mode (created as mount points if absent). */
export const PROTECTED_WORKSPACE_PATHS = ['.git/hooks', '.git/config', '.sedge'];

const DEFAULT_SYSTEM_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin'];

/** The system bwrap: an absolute, executable path outside the workspace (a repo cannot plant its own). */
export function findBwrap(workspace: string, env: Env = process.env): string | null {
  const dirs = [...(env.PATH ?? '').split(delimiter), ...DEFAULT_SYSTEM_DIRS];
  for (const dir of dirs) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, 'bwrap');
    try {
      accessSync(candidate, constants.X_OK);
      const real = realpathSync.native(candidate);
      if (inside(real, workspace) || inside(candidate, workspace)) continue;
      return real;
    } catch {
      // not here
    }
  }
  return null;
}

function inside(path: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function kindOf(path: string): 'dir' | 'file' | null {
  try {
    return lstatSync(path).isDirectory() ? 'dir' : 'file';
  } catch {
    return null;
  }
}

/**
 * The bwrap arguments (pure apart from looking at which paths exist). Protected paths that do not exist get
 * an empty read-only mount point, which bwrap creates in the workspace: they are listed in `created`.
 */
export function bwrapArgs(spec: SandboxSpec, created: string[] = []): string[] {
  const env = spec.env ?? process.env;
  const ws = realpathSync.native(spec.workspace);
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'];
  args.push('--unshare-all', ...(spec.network ? ['--share-net'] : []));
  args.push('--new-session', '--die-with-parent', '--cap-drop', 'ALL');
  // PATH directories under /tmp would vanish behind the private /tmp: each existing one is bound read-only.
  // Those of sedge's own PATH too: the shell it starts inside (bash, found by systemProgram) comes from there,
  // and the sandbox's env may carry a different PATH.
  const paths = [env.PATH, process.env.PATH].filter((p): p is string => Boolean(p)).join(delimiter);
  for (const [src, dest] of tmpPathDirs(paths, spec.workspace)) args.push('--ro-bind', src, dest);
  if (spec.mode === 'workspace-write') {
    args.push('--bind', ws, ws);
    const gitDir = join(ws, '.git');
    for (const rel of PROTECTED_WORKSPACE_PATHS) {
      const p = join(ws, rel);
      if (rel.startsWith('.git/') && kindOf(gitDir) !== 'dir') continue;
      const kind = kindOf(p);
      if (kind) args.push('--ro-bind', p, p);
      // absent: an empty read-only mount point, so nothing can create it in there
      else {
        created.push(p);
        if (rel === '.git/config') args.push('--ro-bind', '/dev/null', p);
        else args.push('--tmpfs', p, '--remount-ro', p);
      }
    }
  } else {
    // read-only: the workspace stays visible (and read-only) even when it lies under /tmp
    args.push('--ro-bind', ws, ws);
  }
  const home = env.HOME;
  const masked = home && isAbsolute(home) ? MASKED_HOME_PATHS.map((p) => join(home, p)) : [];
  if (spec.configDir) masked.push(spec.configDir);
  const seen = new Set<string>();
  for (const p of masked) {
    for (const target of [p, realOrNull(p)]) {
      if (!target || seen.has(target)) continue;
      seen.add(target);
      const kind = kindOf(target);
      if (kind === 'dir') args.push('--tmpfs', target, '--remount-ro', target);
      else if (kind === 'file') args.push('--ro-bind', '/dev/null', target);
    }
  }
  return args;
}

/**
 * The PATH directories that live under /tmp (as written or once resolved), as [host path, path inside]:
 * existing directories only, never /tmp itself, none inside the workspace (bound writable already).
 */
export function tmpPathDirs(path: string, workspace: string): [string, string][] {
  const out: [string, string][] = [];
  const seen = new Set<string>();
  const ws = realOrNull(workspace) ?? resolve(workspace);
  for (const entry of path.split(delimiter)) {
    if (!entry || !isAbsolute(entry)) continue;
    const real = realOrNull(entry);
    if (!real || kindOf(real) !== 'dir') continue;
    for (const dest of new Set([resolve(entry), real])) {
      if (!inside(dest, '/tmp') || dest === '/tmp' || seen.has(dest)) continue;
      if (inside(dest, ws) || inside(dest, resolve(workspace))) continue;
      seen.add(dest);
      out.push([real, dest]);
    }
  }
  return out;
}

function realOrNull(p: string): string | null {
  try {
    return realpathSync.native(p);
  } catch {
    return null;
  }
}

type Plan =
  | { kind: 'bwrap'; program: string; args: string[]; created: string[] }
  | { kind: 'seatbelt'; program: string; args: string[]; tmpDir: string };

const OFF: Sandbox = {
  mode: 'off',
  kind: 'none',
  ready: () => Promise.resolve(),
  settled: () => Promise.resolve(),
  scratch: tmpdir(),
  launcher: () => [],
  describe: () => 'off (commands run unconfined)',
  dispose() {},
};

/** Which sandbox a platform has: bubblewrap on Linux, sandbox-exec on macOS, none elsewhere. */
export function sandboxKindFor(platform: NodeJS.Platform): 'bwrap' | 'seatbelt' | null {
  return platform === 'linux' ? 'bwrap' : platform === 'darwin' ? 'seatbelt' : null;
}

/**
 * What would run, without running anything: the program and its arguments. Throws SandboxUnavailableError
 * when the platform has no sandbox or its program is missing.
 */
export function planSandbox(spec: SandboxSpec): Plan | null {
  if (spec.mode === 'off') return null;
  const platform = spec.platform ?? process.platform;
  const kind = sandboxKindFor(platform);
  if (kind === 'seatbelt') return planSeatbelt(spec);
  if (kind !== 'bwrap')
    throw new SandboxUnavailableError(`no sandbox for ${platform} (bubblewrap on Linux, sandbox-exec on macOS)`);
  const bwrap = spec.bwrapPath === undefined ? findBwrap(spec.workspace, spec.env) : spec.bwrapPath;
  if (!bwrap) throw new SandboxUnavailableError('bubblewrap (bwrap) is not installed (apt-get install bubblewrap)');
  if (!isAbsolute(bwrap) || inside(bwrap, spec.workspace) || !existsSync(bwrap))
    throw new SandboxUnavailableError(`${bwrap} is not an absolute path to bwrap outside the workspace`);
  const created: string[] = [];
  return { kind: 'bwrap', program: bwrap, args: bwrapArgs(spec, created), created };
}

function planSeatbelt(spec: SandboxSpec): Plan {
  const program = spec.seatbeltPath ?? SEATBELT_PATH;
  if (!isAbsolute(program) || inside(program, spec.workspace) || !existsSync(program))
    throw new SandboxUnavailableError(`${program} is missing (sandbox-exec ships with macOS)`);
  const env = spec.env ?? process.env;
  const home = env.HOME && isAbsolute(env.HOME) ? env.HOME : null;
  const masked = home ? MASKED_HOME_PATHS.map((p) => join(home, p)) : [];
  if (spec.configDir) masked.push(spec.configDir);
  const ws = realpathSync.native(spec.workspace);
  const hasGit = kindOf(join(ws, '.git')) === 'dir';
  const protectedPaths = PROTECTED_WORKSPACE_PATHS.filter((p) => hasGit || !p.startsWith('.git/')).map((p) =>
    join(ws, p),
  );
  // the private temp dir (TMPDIR inside); made now, removed by dispose()
  const tmpDir = mkdtempSync(join(realpathSync.native(tmpdir()), 'sedge-sandbox-'));
  try {
    const profile = seatbeltProfile({
      mode: spec.mode === 'read-only' ? 'read-only' : 'workspace-write',
      workspace: ws,
      tmpDir,
      network: Boolean(spec.network),
      masked,
      protectedPaths,
    });
    return { kind: 'seatbelt', program, args: seatbeltArgs(profile), tmpDir };
  } catch (err) {
    rmSync(tmpDir, { recursive: true, force: true });
    if (err instanceof SeatbeltPathError) throw new SandboxUnavailableError(err.message);
    throw err;
  }
}

const probeArgv = (p: Plan): string[] =>
  p.kind === 'bwrap' ? [...p.args, '--', '/bin/sh', '-c', 'exit 0'] : [...p.args, '/bin/sh', '-c', 'exit 0'];
const probeFailed = (p: Plan, detail: string) =>
  new SandboxUnavailableError(
    `${p.kind === 'bwrap' ? 'bubblewrap' : 'sandbox-exec'} cannot start a sandbox here: ${detail.trim().split('\n')[0]}`,
  );

/**
 * Build the sandbox for a session and wait for its probe (a command run inside). Throws
 * SandboxUnavailableError when the mode asks for one and none can start here: callers refuse to run rather
 * than run unconfined.
 */
export function createSandbox(spec: SandboxSpec): Sandbox {
  const p = planSandbox(spec);
  if (!p) return OFF;
  const probe = spawnSync(p.program, probeArgv(p), { encoding: 'utf8', timeout: 10_000 });
  if (probe.status !== 0) {
    cleanUp(p);
    throw probeFailed(p, probe.stderr || probe.error?.message || `exit ${probe.status}`);
  }
  const done = () => Promise.resolve();
  return finish(spec, p, done, done);
}

/** createSandbox with the probe run as a child process the event loop waits for (not synchronously). */
export async function openSandbox(spec: SandboxSpec): Promise<Sandbox> {
  const sb = startSandbox(spec);
  try {
    await sb.ready();
  } catch (err) {
    sb.dispose();
    throw err;
  }
  return sb;
}

/** Programs (with their network setting) whose probe passed in this process; failures are not kept. */
const PROBED = new Set<string>();
const probeKey = (p: Plan, spec: SandboxSpec): string => `${p.kind}\0${p.program}\0${spec.network ? 'net' : ''}`;

/**
 * The sandbox at once, not yet probed: `ready()` runs the probe when first called. A missing program or an
 * unsupported platform still throws here, synchronously (SandboxUnavailableError).
 */
export function startSandbox(spec: SandboxSpec): Sandbox {
  const p = planSandbox(spec);
  if (!p) return OFF;
  let probe: Promise<void> | null = null;
  let running: Promise<void> = Promise.resolve();
  const key = probeKey(p, spec);
  const ready = () => {
    // a probe that passed for this program and network setting in this process stands for the next sandbox
    // (a batch composes one per task): what it checks, that the program can start a sandbox here, holds for all
    if (!probe && PROBED.has(key)) probe = Promise.resolve();
    probe ??= new Promise<void>((resolve, reject) => {
      const child = spawn(p.program, probeArgv(p), { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      child.on('error', (err) => reject(probeFailed(p, err.message)));
      child.on('close', (code) => {
        if (code !== 0) return reject(probeFailed(p, stderr || `exit ${code}`));
        PROBED.add(key);
        resolve();
      });
    });
    running = probe.catch(() => undefined);
    return probe;
  };
  return finish(spec, p, ready, () => running);
}

function cleanUp(p: Plan): void {
  if (p.kind === 'seatbelt') rmSync(p.tmpDir, { recursive: true, force: true });
  else
    for (const path of p.created)
      try {
        // the empty mount points bwrap left in the workspace
        if (kindOf(path) === 'dir') rmdirSync(path);
        else if (statSync(path).size === 0) unlinkSync(path);
      } catch {
        // not empty (something else created it) or gone
      }
}

function finish(spec: SandboxSpec, p: Plan, ready: () => Promise<void>, settled: () => Promise<void>): Sandbox {
  const max = spec.maxProcesses ?? 512;
  const network = `network ${spec.network ? 'on' : 'off'}`;
  if (p.kind === 'seatbelt') {
    // RLIMIT_NPROC counts every process of the user on macOS (hundreds already), so no limit is set there
    const env = ['/usr/bin/env', `TMPDIR=${p.tmpDir}/`];
    return {
      mode: spec.mode,
      kind: 'seatbelt',
      ready,
      settled,
      scratch: p.tmpDir,
      launcher: () => [p.program, ...p.args, ...env],
      describe: () => `${spec.mode} (sandbox-exec ${p.program}; ${network}; no process limit on macOS)`,
      dispose: () => cleanUp(p),
    };
  }
  const cgroup = makePidsCgroup(max);
  // a hard limit already below `max` makes ulimit fail, and is stricter anyway
  const limit = nprocApplies() ? `ulimit -u ${max} 2>/dev/null; ` : '';
  // bash, not /bin/sh: dash's ulimit has no -u
  const inner = limit ? [systemProgram('bash'), '-c', `${limit}exec "$@"`, 'sedge-sandbox'] : [];
  const outer = cgroup ? ['/bin/sh', '-c', `echo $$ > "$0/cgroup.procs" && exec "$@"`, cgroup] : [];
  const procLimit = cgroup ? `pids cgroup max ${max}` : nprocApplies() ? `ulimit -u ${max}` : 'NO process limit';
  return {
    mode: spec.mode,
    kind: 'bwrap',
    ready,
    settled,
    scratch: '/tmp',
    launcher(readOnlyBinds = []) {
      const binds = readOnlyBinds.flatMap((b) => ['--ro-bind', b, b]);
      return [...outer, p.program, ...p.args, ...binds, '--', ...inner];
    },
    describe: () => `${spec.mode} (bubblewrap ${p.program}; ${network}; ${procLimit})`,
    dispose() {
      cleanUp(p);
      if (cgroup)
        try {
          rmdirSync(cgroup);
        } catch {
          // still has members or already gone
        }
    },
  };
}
