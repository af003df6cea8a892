/**
 * Self-healing checks for the trace store: never follow a symlinked store, tell a log that changed under the
 * index (size, mtime and a checksum of its head and tail, not size alone), and move an unreadable log aside
 * (`traces.jsonl.corrupt`) so the store starts fresh instead of failing.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, openSync, readSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';

export class StoreRefusedError extends Error {
  override name = 'StoreRefusedError';
}

/** Throws StoreRefusedError when the store dir (or sedge's dirs above it, or a file in it) is a symlink. */
export function checkNotSymlinked(dir: string, files: string[]): void {
  const chain = [dir, dirname(dir), dirname(dirname(dir))];
  for (const p of [...chain, ...files.map((f) => join(dir, f))]) {
    let link = false;
    try {
      link = lstatSync(p).isSymbolicLink();
    } catch {
      continue; // not there yet
    }
    if (link)
      throw new StoreRefusedError(
        `trace store path ${p} is a symlink; refusing to read or write through it (remove it to start fresh)`,
      );
  }
}

const EDGE = 64 * 1024;

/** sha256 of the first and last 64 KB of the log's first `size` bytes: cheap, and catches in-place rewrites. */
export function logChecksum(path: string, size: number): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const ranges: Array<[number, number]> =
      size <= 2 * EDGE
        ? [[0, size]]
        : [
            [0, EDGE],
            [size - EDGE, EDGE],
          ];
    for (const [off, len] of ranges) {
      const buf = Buffer.alloc(len);
      const n = readSync(fd, buf, 0, len, off);
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex').slice(0, 32);
}

/** Move an unreadable file aside as NAME.corrupt (NAME.corrupt-TIME when that exists); returns the new path. */
export function quarantine(path: string): string | null {
  let target = `${path}.corrupt`;
  if (existsSync(target)) target = `${path}.corrupt-${Date.now()}`;
  try {
    renameSync(path, target);
    return target;
  } catch {
    return null;
  }
}
