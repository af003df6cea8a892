/**
 * Ending everything a command started, including what left its process group (`setsid`, double forks, daemons).
 *
 * Why an environment marker: a PID namespace (`unshare --pid`) needs user namespaces, which many machines and
 * containers disable; a cgroup needs a delegated cgroup v2 subtree, which a CLI rarely has; PR_SET_CHILD_SUBREAPER
 * is not reachable from Node. An environment variable, by contrast, is inherited through fork, exec, setsid and
 * double forks, and /proc/<pid>/environ is readable for the user's own processes. Each command gets a fresh tag
 * (`SEDGE_PROC_TAG=<random>`); when it ends, every process of ours that carries the tag is killed. A program
 * that deliberately clears its environment (`env -i`) escapes the scan; its pipes are not waited on (spawn.ts).
 * Elsewhere than Linux only the process group is ended.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

export const TAG_VAR = 'SEDGE_PROC_TAG';

export function newProcTag(): string {
  return randomBytes(9).toString('hex');
}

/** Pids of live processes (other than this one) whose environment holds TAG_VAR=tag. Linux only. */
export function taggedProcesses(tag: string): number[] {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`\0${TAG_VAR}=${tag}\0`);
  const first = Buffer.from(`${TAG_VAR}=${tag}\0`);
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const name of names) {
    if (name.charCodeAt(0) > 57 || name.charCodeAt(0) < 48) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let env: Buffer;
    try {
      env = readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue; // not ours, or gone
    }
    if (env.indexOf(needle) >= 0 || env.subarray(0, first.length).equals(first)) {
      if (!isZombie(pid)) found.push(pid);
    }
  }
  return found;
}

function isZombie(pid: number): boolean {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

/**
 * SIGKILL every process carrying the tag, again until none is left (a double fork may spawn while we scan);
 * returns the pids it killed. Synchronous and quick: a /proc scan per round, at most `rounds` rounds.
 * A SIGKILLed process is not dead the instant kill() returns: awaitGone() waits for that.
 */
export function reapTagged(tag: string, rounds = 20): number[] {
  const killed = new Set<number>();
  for (let i = 0; i < rounds; i++) {
    const pids = taggedProcesses(tag).filter((p) => !killed.has(p));
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed.add(pid);
      } catch {
        // gone meanwhile
      }
    }
  }
  return [...killed];
}

/** Wait (at most `timeoutMs`) until none of `pids` is a live process: each is gone or a zombie. */
export async function awaitGone(pids: number[], timeoutMs = 2000): Promise<void> {
  const end = performance.now() + timeoutMs;
  let left = pids;
  while (left.length && performance.now() < end) {
    left = left.filter((pid) => !isZombie(pid));
    if (left.length) await new Promise((r) => setTimeout(r, 5));
  }
}
