import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replace `path` with `data` so that a crash leaves either the old or the new file, never half of one:
 * write a temp file in the same directory, fsync it, give it the original file's mode, rename it over.
 * The temp file is removed when anything fails. `path` should be canonical (a symlink would be replaced).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const existingMode = await stat(path).then(
    (st) => st.mode & 0o7777,
    () => undefined,
  );
  const tmp = join(dir, `.${basename(path)}.sedge-${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    const handle = await open(tmp, 'wx', existingMode ?? 0o666);
    created = true;
    try {
      await handle.writeFile(data);
      // open() applies the umask; set the original mode exactly
      if (existingMode !== undefined) await handle.chmod(existingMode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    created = false;
    await syncDir(dir);
  } finally {
    if (created) await unlink(tmp).catch(() => undefined);
  }
}

/** Make the rename durable; best effort (not every platform lets a directory be fsynced). */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // ignore: the data is already on disk, only the directory entry may lag
  }
}
