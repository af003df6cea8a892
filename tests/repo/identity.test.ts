import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { normalizeRemote, repoIdentity } from '../../src/repo/identity.js';
import { makeTempRepo } from '../support/repo.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'pipe' }).toString().trim();

describe('repoIdentity', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    while (cleanups.length) cleanups.pop()!();
  });
  const temp = () => {
    const d = mkdtempSync(join(tmpdir(), 'sedge-id-'));
    cleanups.push(() => rmSync(d, { recursive: true, force: true }));
    return d;
  };

  it('is null outside git', async () => {
    expect(await repoIdentity(temp())).toBeNull();
  });

  it('is stable across subdirectories, clones and worktrees, and gives the root', async () => {
    const repo = makeTempRepo({ 'src/a.ts': 'x\n' });
    cleanups.push(repo.cleanup);
    git(repo.dir, 'remote', 'add', 'origin', 'git@github.com:Acme/widget.git');
    const id = await repoIdentity(join(repo.dir, 'src'));
    expect(id!.root).toBe(realpathSync(repo.dir));
    expect(id!.id).toMatch(/^[0-9a-f]{20}$/);

    const wt = join(temp(), 'wt');
    git(repo.dir, 'worktree', 'add', '-q', wt);
    expect((await repoIdentity(wt))!.id).toBe(id!.id);

    const clone = join(temp(), 'clone');
    git(temp(), 'clone', '-q', repo.dir, clone);
    git(clone, 'remote', 'set-url', 'origin', 'https://github.com/acme/widget');
    expect((await repoIdentity(clone))!.id).toBe(id!.id);
  });

  it('differs for another project', async () => {
    const a = makeTempRepo({ 'a.txt': 'a\n' });
    const b = makeTempRepo({ 'b.txt': 'b\n' });
    cleanups.push(a.cleanup, b.cleanup);
    expect((await repoIdentity(a.dir))!.id).not.toBe((await repoIdentity(b.dir))!.id);
  });

  it('normalises remotes', () => {
    expect(normalizeRemote('git@github.com:Acme/widget.git')).toBe('github.com/acme/widget');
    expect(normalizeRemote('https://user:pw@GitHub.com/Acme/widget.git/')).toBe('github.com/acme/widget');
    expect(normalizeRemote('ssh://git@github.com:22/Acme/widget')).toBe('github.com/acme/widget');
  });
});
