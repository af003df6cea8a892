/**
 * The sandbox every command the model (or the project's test command) runs goes through. Linux: bubblewrap
 * (the system `bwrap`, found by absolute path outside the workspace): the root filesystem read-only, the
 * workspace and a private /tmp writable, every namespace unshared (network only with `network: true`), a new
 * session (no controlling terminal: /dev/tty cannot be opened and TIOCSTI has no terminal to push into),
 * killed with its parent, all capabilities dropped, credential paths masked, `.git/hooks`, `.git/config` and
 * `.sedge/` read-only even when they do not exist yet, and a process limit.
 *
 * The process limit: RLIMIT_NPROC (`ulimit -u` inside) for a normal user. The kernel never applies it to
 * uid 0, so as root the sandbox is also put into a pids cgroup when one is writable.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, isAbsolute, join, relative, resolve } from 'node:path';
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
}

export interface Sandbox {
  mode: SandboxMode;
  /** 'bwrap', or 'none' when mode is off */
  kind: 'bwrap' | 'none';
  /** argv in front of a program: `[...launcher(extraRo), program, ...args]` runs it confined */
  launcher(readOnlyBinds?: string[]): string[];
  /** one line for doctor and run_start */
  describe(): string;
  /** remove what the sandbox created (an empty cgroup) */
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
      const real = realpathSync(candidate);
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
  const ws = realpathSync(spec.workspace);
  const args = ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp'];
  args.push('--unshare-all', ...(spec.network ? ['--share-net'] : []));
  args.push('--new-session', '--die-with-parent', '--cap-drop', 'ALL');
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

function realOrNull(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

/** Is RLIMIT_NPROC enforced for us? Never for uid 0. */
const nprocApplies = () => typeof process.getuid !== 'function' || process.getuid() !== 0;

let cgroupCounter = 0;
/** A pids cgroup with pids.max set (root only, where the hierarchy is writable); null when none can be made. */
function makePidsCgroup(max: number): string | null {
  if (nprocApplies()) return null;
  const candidates = ['/sys/fs/cgroup/pids'];
  try {
    const own = readFileSync('/proc/self/cgroup', 'utf8').match(/^0::(\/.*)$/m)?.[1];
    if (own && existsSync('/sys/fs/cgroup/cgroup.controllers')) candidates.push(join('/sys/fs/cgroup', own));
  } catch {
    // no cgroup info
  }
  for (const base of candidates) {
    removeStaleCgroups(base);
    const dir = join(base, `sedge-${process.pid}-${++cgroupCounter}`);
    try {
      mkdirSync(dir);
    } catch {
      continue;
    }
    try {
      writeFileIfExists(join(dir, 'pids.max'), String(max));
      return dir;
    } catch {
      try {
        rmdirSync(dir);
      } catch {
        // leave it
      }
    }
  }
  return null;
}

/** Empty cgroups left by a sedge that was killed (its pid is gone): removed before making a new one. */
function removeStaleCgroups(base: string): void {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^sedge-(\d+)-\d+$/.exec(name)?.[1]);
    if (!pid || pid === process.pid || existsSync(`/proc/${pid}`)) continue;
    try {
      rmdirSync(join(base, name));
    } catch {
      // still has members
    }
  }
}

function writeFileIfExists(path: string, text: string): void {
  if (!existsSync(path)) throw new Error(`${path} missing`);
  writeFileSync(path, text);
  if (readFileSync(path, 'utf8').trim() !== text) throw new Error(`cannot write ${path}`);
}

interface Prepared {
  bwrap: string;
  args: string[];
  created: string[];
}

const OFF: Sandbox = {
  mode: 'off',
  kind: 'none',
  launcher: () => [],
  describe: () => 'off (commands run unconfined)',
  dispose() {},
};

function prepare(spec: SandboxSpec): Prepared | null {
  if (spec.mode === 'off') return null;
  if (process.platform !== 'linux')
    throw new SandboxUnavailableError(`no sandbox for ${process.platform} yet (bubblewrap is Linux only)`);
  const bwrap = spec.bwrapPath === undefined ? findBwrap(spec.workspace, spec.env) : spec.bwrapPath;
  if (!bwrap) throw new SandboxUnavailableError('bubblewrap (bwrap) is not installed (apt-get install bubblewrap)');
  if (!isAbsolute(bwrap) || inside(bwrap, spec.workspace) || !existsSync(bwrap))
    throw new SandboxUnavailableError(`${bwrap} is not an absolute path to bwrap outside the workspace`);
  const created: string[] = [];
  return { bwrap, args: bwrapArgs(spec, created), created };
}

const probeArgs = (p: Prepared) => [...p.args, '--', '/bin/sh', '-c', 'exit 0'];
const probeFailed = (detail: string) =>
  new SandboxUnavailableError(`bubblewrap cannot start a sandbox here: ${detail.trim().split('\n')[0]}`);

/**
 * Build the sandbox for a session. Throws SandboxUnavailableError when the mode asks for one and none can
 * start here (no bwrap, no user namespaces): callers refuse to run rather than run unconfined.
 */
export function createSandbox(spec: SandboxSpec): Sandbox {
  const p = prepare(spec);
  if (!p) return OFF;
  const probe = spawnSync(p.bwrap, probeArgs(p), { encoding: 'utf8', timeout: 10_000 });
  if (probe.status !== 0) throw probeFailed(probe.stderr || probe.error?.message || `exit ${probe.status}`);
  return finish(spec, p);
}

/** createSandbox with the probe run in the background, so a caller can overlap it with other startup work. */
export async function openSandbox(spec: SandboxSpec): Promise<Sandbox> {
  const p = prepare(spec);
  if (!p) return OFF;
  await new Promise<void>((resolve, reject) => {
    const child = spawn(p.bwrap, probeArgs(p), { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', (err) => reject(probeFailed(err.message)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(probeFailed(stderr || `exit ${code}`))));
  });
  return finish(spec, p);
}

function finish(spec: SandboxSpec, { bwrap, args, created }: Prepared): Sandbox {
  const max = spec.maxProcesses ?? 512;
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
    launcher(readOnlyBinds = []) {
      const binds = readOnlyBinds.flatMap((p) => ['--ro-bind', p, p]);
      return [...outer, bwrap, ...args, ...binds, '--', ...inner];
    },
    describe: () => `${spec.mode} (bubblewrap ${bwrap}; network ${spec.network ? 'on' : 'off'}; ${procLimit})`,
    dispose() {
      // the empty mount points bwrap left in the workspace
      for (const p of created)
        try {
          if (kindOf(p) === 'dir') rmdirSync(p);
          else if (statSync(p).size === 0) unlinkSync(p);
        } catch {
          // not empty (something else created it) or gone
        }
      if (cgroup)
        try {
          rmdirSync(cgroup);
        } catch {
          // still has members or already gone
        }
    },
  };
}
