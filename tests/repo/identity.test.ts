import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { normalizeRemote, repoFacts, repoIdentity } from '../../src/repo/identity.js';
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

  it('repoFacts: the same identity and the AGENTS.md listing from one git process, from any subdirectory', async () => {
    const repo = makeTempRepo({ 'AGENTS.md': 'root\n', 'pkg/a/AGENTS.md': 'a\n', 'src/x.ts': 'x\n' });
    cleanups.push(repo.cleanup);
    writeFileSync(join(repo.dir, '.gitignore'), 'ignored/\n');
    mkdirSync(join(repo.dir, 'ignored'));
    writeFileSync(join(repo.dir, 'ignored', 'AGENTS.md'), 'no\n');
    mkdirSync(join(repo.dir, 'new'));
    writeFileSync(join(repo.dir, 'new', 'AGENTS.md'), 'untracked\n');
    const facts = await repoFacts(join(repo.dir, 'src'), { agents: true });
    expect(facts.identity).toEqual(await repoIdentity(repo.dir));
    expect(facts.agentsPaths?.sort()).toEqual(['AGENTS.md', 'new/AGENTS.md', 'pkg/a/AGENTS.md']);
    expect((await repoFacts(repo.dir)).agentsPaths).toBeNull();
    expect(await repoFacts(temp(), { agents: true })).toEqual({ identity: null, agentsPaths: null });
    // no commits yet: the shared git dir, the same from a subdirectory as from the top
    const fresh = temp();
    git(fresh, 'init', '-q');
    mkdirSync(join(fresh, 'sub'));
    const top = await repoIdentity(fresh);
    expect(top?.id).toMatch(/^[0-9a-f]{20}$/);
    expect(await repoIdentity(join(fresh, 'sub'))).toEqual(top);
  });

  it('normalises remotes', () => {
    expect(normalizeRemote('git@github.com:Acme/widget.git')).toBe('github.com/acme/widget');
    expect(normalizeRemote('https://user:pw@GitHub.com/Acme/widget.git/')).toBe('github.com/acme/widget');
    expect(normalizeRemote('ssh://git@github.com:22/Acme/widget')).toBe('github.com/acme/widget');
  });
});
