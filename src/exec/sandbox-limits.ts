/**
 * The process limit of the Linux sandbox: RLIMIT_NPROC (`ulimit -u` inside) for a normal user; the kernel
 * never applies it to uid 0, so as root the sandbox also goes into a pids cgroup when one is writable.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Is RLIMIT_NPROC enforced for us? Never for uid 0. */
export const nprocApplies = () => typeof process.getuid !== 'function' || process.getuid() !== 0;

let cgroupCounter = 0;
/** A pids cgroup with pids.max set (root only, where the hierarchy is writable); null when none can be made. */
export function makePidsCgroup(max: number): string | null {
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
