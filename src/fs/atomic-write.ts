/**
 * The one atomic-write module: replace a file so that a crash leaves either the old or the new one, never half.
 * Write a temp file, fsync it, give it the mode, rename it over the target, fsync the directory.
 *
 * Where the temp file lives: in `tmpDir` when given and on the same filesystem as the target (rename cannot
 * cross filesystems), so a kill -9 mid-write leaves nothing in a repository's work tree; sed passes a directory
 * inside the repo's git dir. Otherwise next to the target as `.NAME.sedge-PID-RAND.tmp`. Temp names carry the
 * writer's pid: `sweepTempFiles` removes those whose writer is gone (called at start).
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  fchmodSync,
} from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** mode of a new file (an existing file keeps its own); default 0o666 minus the umask */
  mode?: number;
  /** where to put the temp file when it is on the target's filesystem (created 0700) */
  tmpDir?: string;
  /**
   * false: no fsync of the file and its directory. Still atomic for readers and across a kill of the
   * process; only an OS crash may lose the update. For caches rebuilt when they do not check out.
   */
  durable?: boolean;
}

const TEMP_RE = /(?:^|\.sedge-)(\d+)-[0-9a-f]{12}\.tmp$/;

function tempPath(path: string, tmpDir: string | undefined): string {
  const name = `${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
  if (tmpDir) {
    try {
      mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
      if (statSync(tmpDir).dev === statSync(dirname(path)).dev) return join(tmpDir, name);
    } catch {
      // fall back to the target's directory
    }
  }
  return join(dirname(path), `.${basename(path)}.sedge-${name}`);
}

function modeOf(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o7777;
  } catch {
    return undefined;
  }
}

export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  const existingMode = await stat(path).then(
    (st) => st.mode & 0o7777,
    () => undefined,
  );
  const tmp = tempPath(path, opts.tmpDir);
  let created = false;
  try {
    const handle = await open(tmp, 'wx', existingMode ?? opts.mode ?? 0o666);
    created = true;
    try {
      await handle.writeFile(data);
      // open() applies the umask; set the original mode exactly
      if (existingMode !== undefined) await handle.chmod(existingMode);
      if (opts.durable !== false) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    created = false;
    if (opts.durable !== false) syncDir(dirname(path));
  } finally {
    if (created) await unlink(tmp).catch(() => undefined);
  }
}

/** The same, synchronous (small files under a lock: the trace index, the input history). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const existingMode = modeOf(path);
  const tmp = tempPath(path, opts.tmpDir);
  let created = false;
  try {
    const fd = openSync(tmp, 'wx', existingMode ?? opts.mode ?? 0o666);
    created = true;
    try {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      let written = 0;
      while (written < buf.length) written += writeSync(fd, buf, written, buf.length - written);
      if (existingMode !== undefined) fchmodSync(fd, existingMode);
      if (opts.durable !== false) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    created = false;
    if (opts.durable !== false) syncDir(dirname(path));
  } finally {
    if (created) {
      try {
        unlinkSync(tmp);
      } catch {
        /* gone */
      }
    }
  }
}

/** Make the rename durable; best effort (not every platform lets a directory be fsynced). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // ignore: the data is already on disk, only the directory entry may lag
  }
}

/** Remove temp files in `dir` left by writers that are gone (kill -9 mid-write); returns how many. */
export function sweepTempFiles(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const pid = Number(TEMP_RE.exec(name)?.[1]);
    if (!pid || (pid !== process.pid && alive(pid))) continue;
    if (pid === process.pid) continue;
    try {
      unlinkSync(join(dir, name));
      removed++;
    } catch {
      // another sweeper got it
    }
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
