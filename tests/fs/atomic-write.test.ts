import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/fs/atomic-write.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sedge-aw-'));
});

afterEach(async () => {
  await chmod(dir, 0o700).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('replaces the content and keeps the mode', async () => {
    const file = join(dir, 'script.sh');
    await writeFile(file, 'old\n');
    await chmod(file, 0o754);
    await writeFileAtomic(file, 'new\n');
    expect(await readFile(file, 'utf8')).toBe('new\n');
    expect((await stat(file)).mode & 0o7777).toBe(0o754);
    expect(await readdir(dir)).toEqual(['script.sh']);
  });

  it('creates a file that did not exist', async () => {
    const file = join(dir, 'fresh.txt');
    await writeFileAtomic(file, Buffer.from('bytes'));
    expect(await readFile(file, 'utf8')).toBe('bytes');
  });

  it('removes its temp file and leaves the original when the rename fails', async () => {
    // the target is a non-empty directory: the temp file is written, then rename() fails
    const target = join(dir, 'target');
    await mkdir(target);
    await writeFile(join(target, 'inside.txt'), 'keep');
    await expect(writeFileAtomic(target, 'data')).rejects.toThrow();
    expect((await readdir(dir)).sort()).toEqual(['target']);
    expect(await readFile(join(target, 'inside.txt'), 'utf8')).toBe('keep');
  });

  it('fails cleanly when the directory is not writable', async () => {
    if (process.getuid?.() === 0) return; // root ignores permissions
    const file = join(dir, 'ro.txt');
    await writeFile(file, 'old');
    await chmod(dir, 0o500);
    await expect(writeFileAtomic(file, 'new')).rejects.toThrow(/EACCES|EPERM/);
    await chmod(dir, 0o700);
    expect(await readFile(file, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['ro.txt']);
  });
});
