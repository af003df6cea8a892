import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realpathSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveWorkspacePath } from '../../src/tools/workspace-path.js';

let base: string;
let ws: string;
let outside: string;

beforeEach(async () => {
  base = realpathSync(await mkdtemp(join(tmpdir(), 'sedge-wp-')));
  ws = join(base, 'ws');
  outside = join(base, 'outside');
  await mkdir(join(ws, 'src'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(ws, 'src', 'a.ts'), 'a\n');
  await writeFile(join(outside, 'secret.txt'), 's\n');
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('resolveWorkspacePath', () => {
  it('resolves relative paths against the workspace', async () => {
    expect(await resolveWorkspacePath(ws, 'src/a.ts')).toEqual({ abs: join(ws, 'src', 'a.ts'), rel: 'src/a.ts' });
    expect(await resolveWorkspacePath(ws, './src/../src/a.ts')).toEqual({
      abs: join(ws, 'src', 'a.ts'),
      rel: 'src/a.ts',
    });
    expect((await resolveWorkspacePath(ws, '.')).rel).toBe('.');
  });

  it('allows absolute paths inside the workspace', async () => {
    expect((await resolveWorkspacePath(ws, join(ws, 'src', 'a.ts'))).rel).toBe('src/a.ts');
  });

  it('resolves files that do not exist yet through their nearest existing parent', async () => {
    expect(await resolveWorkspacePath(ws, 'src/new/deep/b.ts', { write: true })).toEqual({
      abs: join(ws, 'src', 'new', 'deep', 'b.ts'),
      rel: 'src/new/deep/b.ts',
    });
  });

  it('refuses .. escapes and absolute paths outside, with an actionable message', async () => {
    await expect(resolveWorkspacePath(ws, '../outside/secret.txt')).rejects.toThrow(
      /Path "\.\.\/outside\/secret\.txt" is not allowed: it resolves to .*outside.*Only paths inside the workspace/,
    );
    await expect(resolveWorkspacePath(ws, join(outside, 'secret.txt'))).rejects.toThrow(/outside the workspace/);
    await expect(resolveWorkspacePath(ws, '/etc/passwd')).rejects.toThrow(/not allowed/);
    await expect(resolveWorkspacePath(ws, '')).rejects.toThrow(/Empty path/);
  });

  it('refuses symlinks that point out of the workspace', async () => {
    await symlink(outside, join(ws, 'out-dir'));
    await symlink(join(outside, 'secret.txt'), join(ws, 'out-file'));
    await expect(resolveWorkspacePath(ws, 'out-dir/secret.txt')).rejects.toThrow(/symlink that points outside/);
    await expect(resolveWorkspacePath(ws, 'out-file')).rejects.toThrow(/symlink that points outside/);
    await expect(resolveWorkspacePath(ws, 'out-dir/new.txt', { write: true })).rejects.toThrow(/not allowed/);
  });

  it('refuses a dangling symlink whose target is outside', async () => {
    await symlink(join(outside, 'missing.txt'), join(ws, 'dangling'));
    await expect(resolveWorkspacePath(ws, 'dangling', { write: true })).rejects.toThrow(/not allowed/);
  });

  it('follows symlinks that stay inside', async () => {
    await symlink(join(ws, 'src'), join(ws, 'lib'));
    expect(await resolveWorkspacePath(ws, 'lib/a.ts')).toEqual({ abs: join(ws, 'src', 'a.ts'), rel: 'src/a.ts' });
  });

  it('works when the workspace path itself goes through a symlink', async () => {
    const alias = join(base, 'alias');
    await symlink(ws, alias);
    expect((await resolveWorkspacePath(alias, join(alias, 'src', 'a.ts'))).rel).toBe('src/a.ts');
    expect((await resolveWorkspacePath(alias, 'src/a.ts')).abs).toBe(join(ws, 'src', 'a.ts'));
  });

  it('lets read-only roots be read but not written', async () => {
    const file = join(outside, 'secret.txt');
    expect(await resolveWorkspacePath(ws, file, { readOnlyRoots: [outside] })).toEqual({ abs: file, rel: file });
    await expect(resolveWorkspacePath(ws, file, { readOnlyRoots: [outside], write: true })).rejects.toThrow(
      /read-only location.*can be read but not changed/,
    );
  });
});
