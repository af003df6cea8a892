/** File helpers for the trace store: private dirs/files, a cross-process lock, atomic replace. */
import {
  closeSync,
  linkSync,
  mkdirSync,
  chmodSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
  constants,
} from 'node:fs';
import { randomBytes } from 'node:crypto';

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface LockOptions {
  /** a lock older than this is taken over (its holder hung or the clock says so) */
  staleMs?: number;
  /** give up after this long */
  timeoutMs?: number;
}

/**
 * Run fn while holding `lockPath` (created with link(), so never seen empty). A lock whose holder process is
 * gone, or that is older than staleMs, is broken. Waiting is asynchronous: other work (the UI, timers, the
 * model stream) goes on while another process holds the lock. The critical section itself is synchronous and
 * short (one append or one rewrite).
 */
export async function withLock<T>(lockPath: string, fn: () => T, opts: LockOptions = {}): Promise<T> {
  const staleMs = opts.staleMs ?? 30_000;
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let wait = 1;
  for (;;) {
    if (!tryLock(lockPath)) {
      if (breakIfStale(lockPath, staleMs)) continue;
      if (Date.now() > deadline)
        throw new Error(`trace store is locked (${lockPath}); remove it if no sedge is running`);
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 50);
      continue;
    }
    try {
      return fn();
    } finally {
      try {
        unlinkSync(lockPath);
      } catch {
        /* already broken by someone who thought we were stale */
      }
    }
  }
}

/**
 * Create the lock with its content in one step: write a private temp file, then link() it to the
 * lock name (fails if the lock exists). A writer killed at any point never leaves an empty lock.
 */
function tryLock(lockPath: string): boolean {
  const tmp = `${lockPath}.${process.pid}.${randomBytes(3).toString('hex')}`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeSync(fd, `${process.pid} ${Date.now()}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, lockPath);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  } finally {
    unlinkSync(tmp);
  }
}

function breakIfStale(lockPath: string, staleMs: number): boolean {
  let text: string;
  try {
    text = readFileSync(lockPath, 'utf8');
  } catch {
    return true; // vanished: try again at once
  }
  const [pidText, atText] = text.trim().split(' ');
  const pid = Number(pidText);
  const at = Number(atText);
  const dead = Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid);
  let old = Number.isFinite(at) && Date.now() - at > staleMs;
  if (!Number.isInteger(pid) || !Number.isFinite(at)) {
    // not written by tryLock (an older or foreign writer): judge by its age on disk
    try {
      old = Date.now() - statSync(lockPath).mtimeMs > Math.min(staleMs, 2000);
    } catch {
      return true;
    }
  }
  if (!dead && !old) return false;
  try {
    unlinkSync(lockPath);
  } catch {
    /* someone else broke it */
  }
  return true;
}
