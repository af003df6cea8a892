import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  changedSince,
  createCheckpoint,
  diffSince,
  dropCheckpoints,
  restoreCheckpoint,
} from '../../src/repo/checkpoint.js';
import { makeTempRepo } from '../support/repo.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function repo(files: Record<string, string>) {
  const r = makeTempRepo(files);
  cleanups.push(r.cleanup);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: r.dir, encoding: 'utf8' });
  return { dir: r.dir, git };
}

describe('checkpoints', () => {
  it('restores changed, deleted and created files without touching the branch or the index', async () => {
    const { dir, git } = repo({
      'a.txt': 'one\n',
      'src/b.ts': 'b\n',
      'keep.txt': 'keep\n',
      '.gitignore': 'ignored/\n',
    });
    // user state before the turn: a staged change, an unstaged change, an untracked file
    writeFileSync(join(dir, 'keep.txt'), 'staged\n');
    git('add', 'keep.txt');
    writeFileSync(join(dir, 'a.txt'), 'user edit\n');
    writeFileSync(join(dir, 'notes.md'), 'untracked\n');
    const head = git('rev-parse', 'HEAD');
    const status = git('status', '--porcelain');

    const cp = await createCheckpoint(dir, 'sess-1');
    expect(git('rev-parse', cp.ref).trim()).toBe(cp.commit);

    // the "turn": edit, delete, create (also in a new dir), edit an untracked file
    writeFileSync(join(dir, 'a.txt'), 'agent edit\n');
    unlinkSync(join(dir, 'src/b.ts'));
    mkdirSync(join(dir, 'new'));
    writeFileSync(join(dir, 'new/c.ts'), 'new\n');
    writeFileSync(join(dir, 'notes.md'), 'agent changed notes\n');
    mkdirSync(join(dir, 'ignored'));
    writeFileSync(join(dir, 'ignored/x'), 'x');

    const changes = (await changedSince(dir, cp)).map((c) => `${c.status} ${c.path}`).sort();
    expect(changes).toEqual(['A new/c.ts', 'D src/b.ts', 'M a.txt', 'M notes.md']);
    expect(await diffSince(dir, cp)).toContain('+agent edit');

    const res = await restoreCheckpoint(dir, cp);
    expect(res.restored.sort()).toEqual(['a.txt', 'notes.md', 'src/b.ts']);
    expect(res.removed).toEqual(['new/c.ts']);
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('user edit\n');
    expect(readFileSync(join(dir, 'src/b.ts'), 'utf8')).toBe('b\n');
    expect(readFileSync(join(dir, 'notes.md'), 'utf8')).toBe('untracked\n');
    expect(existsSync(join(dir, 'new/c.ts'))).toBe(false);
    expect(existsSync(join(dir, 'ignored/x'))).toBe(true);
    // branch, HEAD and index exactly as the user left them
    expect(git('rev-parse', 'HEAD')).toBe(head);
    expect(git('status', '--porcelain')).toBe(status);
    expect(git('diff', '--cached', '--name-only').trim()).toBe('keep.txt');
    expect(git('stash', 'list')).toBe('');
    expect(await changedSince(dir, cp)).toEqual([]);
  });

  it('chains checkpoints under one ref and drops it', async () => {
    const { dir, git } = repo({ 'a.txt': '1\n' });
    const first = await createCheckpoint(dir, 's');
    writeFileSync(join(dir, 'a.txt'), '2\n');
    const second = await createCheckpoint(dir, 's');
    expect(git('rev-parse', `${second.commit}^`).trim()).toBe(first.commit);
    writeFileSync(join(dir, 'a.txt'), '3\n');
    await restoreCheckpoint(dir, second);
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('2\n');
    await dropCheckpoints(dir, 's');
    expect(() => git('rev-parse', '--verify', '-q', second.ref)).toThrow();
  });

  it('works in a repository without commits', async () => {
    const { dir } = repo({});
    execFileSync('git', ['update-ref', '-d', 'HEAD'], { cwd: dir });
    writeFileSync(join(dir, 'x.txt'), 'x\n');
    const cp = await createCheckpoint(dir, 'e');
    writeFileSync(join(dir, 'x.txt'), 'changed\n');
    await restoreCheckpoint(dir, cp);
    expect(readFileSync(join(dir, 'x.txt'), 'utf8')).toBe('x\n');
  });

  it('sees a same-size edit made in the same second as the index was written (50 times in a row)', async () => {
    const { dir, git } = repo({ 'a.txt': 'one\n' });
    // ctime out of the picture (as on filesystems where git is told not to trust it), so only git's own
    // racy-entry rule can tell the edit apart: entry, index and edit all carry the same second
    git('config', 'core.trustctime', 'false');
    const file = join(dir, 'a.txt');
    const second = new Date(Math.floor(Date.now() / 1000 - 60) * 1000);
    for (let i = 0; i < 50; i++) {
      const [before, after] = i % 2 ? ['two\n', 'one\n'] : ['one\n', 'two\n'];
      utimesSync(file, second, second);
      git('add', 'a.txt'); // the index entry records this content and the pinned mtime
      utimesSync(join(dir, '.git', 'index'), second, second);

      const cp = await createCheckpoint(dir, 'race');
      writeFileSync(file, after);
      utimesSync(file, second, second);
      expect(
        (await changedSince(dir, cp)).map((c) => `${c.status} ${c.path}`),
        `run ${i}`,
      ).toEqual(['M a.txt']);
      await restoreCheckpoint(dir, cp);
      expect(readFileSync(file, 'utf8'), `run ${i}`).toBe(before);
      writeFileSync(file, after); // the next round starts from the other content
    }
  }, 300_000);
});
