import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snapshotTree } from '../../src/repo/checkpoint.js';
import { treeChanges } from '../../src/repo/tree-changes.js';
import { makeTempRepo } from '../support/repo.js';

describe('treeChanges between two working-tree snapshots', () => {
  let repo: { dir: string; cleanup: () => void };
  beforeEach(() => {
    repo = makeTempRepo({ 'a.txt': 'one\ntwo\nthree\n', 'b.txt': 'b\n', 'c.bin': 'x\0y', 'gone.txt': 'bye\n' });
  });
  afterEach(() => repo.cleanup());

  it('sees a same-size edit made right after the commit', async () => {
    const head = execFileSync('git', ['rev-parse', 'HEAD^{tree}'], { cwd: repo.dir, encoding: 'utf8' }).trim();
    writeFileSync(join(repo.dir, 'a.txt'), 'one\nTWO\nthree\n');
    const now = await snapshotTree(repo.dir);
    expect(now).not.toBe(head);
    expect(await treeChanges(repo.dir, head, now)).toEqual([{ path: 'a.txt', status: 'M', added: 1, removed: 1 }]);
  });

  it('reports added, modified, deleted and binary files with line counts, and nothing for equal trees', async () => {
    writeFileSync(join(repo.dir, 'b.txt'), 'dirty before\n');
    const before = await snapshotTree(repo.dir);
    expect(await treeChanges(repo.dir, before, await snapshotTree(repo.dir))).toEqual([]);
    writeFileSync(join(repo.dir, 'a.txt'), 'one\nthree\nfour\nfive\n');
    writeFileSync(join(repo.dir, 'new file.txt'), 'n1\nn2\n');
    writeFileSync(join(repo.dir, 'c.bin'), 'x\0z');
    rmSync(join(repo.dir, 'gone.txt'));
    const after = await snapshotTree(repo.dir);
    expect(await treeChanges(repo.dir, before, after)).toEqual([
      { path: 'a.txt', status: 'M', added: 2, removed: 1 },
      { path: 'c.bin', status: 'M', added: 0, removed: 0 },
      { path: 'gone.txt', status: 'D', added: 0, removed: 1 },
      { path: 'new file.txt', status: 'A', added: 2, removed: 0 },
    ]);
  });
});
