/**
 * Appending whole lines or nothing. On a full disk write(2) may store part of a buffer and then fail: the file
 * would end in half a JSON line. Here a failed append is cut back to where it started (ftruncate), so the file
 * always ends at its last complete line, and the error is rethrown for the caller to warn about.
 */
import { fstatSync, ftruncateSync, writeSync } from 'node:fs';

/** Write all of `data` at the end of `fd` (opened for append); on failure restore the size it had. */
export function appendWhole(fd: number, data: string | Uint8Array): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const start = fstatSync(fd).size;
  let written = 0;
  try {
    while (written < buf.length) written += writeSync(fd, buf, written, buf.length - written);
  } catch (err) {
    try {
      ftruncateSync(fd, start);
    } catch {
      // nothing more can be done; readers skip a torn last line
    }
    throw err;
  }
}
