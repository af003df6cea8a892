/**
 * The per-work-tree run lock: two sedge runs in the same tree would interleave edits and commands. The lock file
 * holds the owner's pid, its process start time (so a reused pid is not mistaken for the owner), the session id
 * and when it started. A lock whose owner is gone, or whose pid now belongs to another process, is stale and is
 * taken over. Created with link() from a complete temp file, so a lock file is never seen half-written.
 */
import { createHash, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LockOwner {
  pid: number;
  /** the owner's start time as /proc/<pid>/stat field 22 (clock ticks since boot); null off Linux */
  start: number | null;
  session: string;
  since: string;
}

export interface RunLock {
  path: string;
  release(): void;
}

export class RunLockedError extends Error {
  override name = 'RunLockedError';
  constructor(
    message: string,
    readonly owner: LockOwner,
  ) {
    super(message);
  }
}

/** Process start time (clock ticks since boot) from /proc, or null. */
export function processStart(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = Number(fields[19]);
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Is the recorded owner still running (same pid and, where known, same start time)? */
export function ownerAlive(owner: LockOwner): boolean {
  if (!Number.isInteger(owner.pid) || owner.pid <= 0 || !alive(owner.pid)) return false;
  if (owner.start === null) return true;
  const now = processStart(owner.pid);
  return now === null || now === owner.start;
}

export function lockPathFor(locksDir: string, workTree: string): string {
  return join(locksDir, `${createHash('sha256').update(workTree).digest('hex').slice(0, 24)}.lock`);
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return typeof o.pid === 'number' ? o : null;
  } catch {
    return null;
  }
}

/**
 * Take the lock for `workTree` or throw RunLockedError naming the owner. A stale lock (owner gone, pid reused,
 * unreadable) is removed and taken over.
 */
export function acquireRunLock(locksDir: string, workTree: string, session: string): RunLock {
  mkdirSync(locksDir, { recursive: true, mode: 0o700 });
  const path = lockPathFor(locksDir, workTree);
  const me: LockOwner = {
    pid: process.pid,
    start: processStart(process.pid),
    session,
    since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, JSON.stringify(me), { mode: 0o600 });
    try {
      linkSync(tmp, path);
      return { path, release: () => release(path) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(tmp);
    }
    const owner = readOwner(path);
    if (owner && ownerAlive(owner)) {
      throw new RunLockedError(
        `another sedge run (pid ${owner.pid}, session ${owner.session}, since ${owner.since}) is working in ` +
          `${workTree}; wait for it to finish, or pass --no-lock to run anyway`,
        owner,
      );
    }
    try {
      unlinkSync(path); // stale: its owner is gone
    } catch {
      // someone else took it over first; try again
    }
  }
  throw new Error(`could not take the run lock ${path}`);
}

function release(path: string): void {
  const owner = readOwner(path);
  if (owner && owner.pid !== process.pid) return; // taken over meanwhile: not ours to remove
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
