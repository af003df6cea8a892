/**
 * Git checkpoints for /undo, without touching the user's branch, index or stash: the working tree
 * (tracked and untracked, .gitignore respected) is written with a temporary index into a commit kept
 * under a private ref (refs/sedge/checkpoints/<session>). Restoring puts back exactly the files that
 * changed since the checkpoint: changed or deleted files get their old content, files created since
 * are removed. Ignored files are not covered.
 */
import { copyFile, mkdtemp, rm, stat, unlink, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { runProgram } from '../exec/run-program.js';
import { systemProgram } from '../exec/system-programs.js';

export interface Checkpoint {
  commit: string;
  tree: string;
  ref: string;
  createdAt: number;
}

export interface RestoreResult {
  /** files written back to their checkpointed content */
  restored: string[];
  /** files created after the checkpoint, removed */
  removed: string[];
}

const SAFE_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };

async function git(cwd: string, args: string[], env: Record<string, string> = {}, input?: string): Promise<string> {
  const r = await runProgram(systemProgram('git'), args, {
    cwd,
    env: { ...process.env, ...SAFE_ENV, ...env },
    ...(input !== undefined ? { input } : {}),
  });
  if (r.code !== 0) throw new Error(`git ${args[0]} failed: ${r.stderr.trim() || r.error || `exit code ${r.code}`}`);
  return r.stdout;
}

async function withTempIndex<T>(fn: (env: Record<string, string>) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sedge-ckpt-'));
  const index = join(dir, 'index');
  try {
    return await fn({ GIT_INDEX_FILE: index });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Write the working tree into a tree object. The temp index is seeded from the real one so only changed
 * files are hashed; the copy keeps the real index's mtime (floored to the second), because git trusts an
 * entry's stat data only when the file's mtime is older than the index file ("racy git"): a fresh mtime on
 * the copy would make a same-size edit from the index's own second look unchanged.
 */
export async function snapshotTree(root: string): Promise<string> {
  return withTempIndex(async (env) => {
    const realIndex = resolve(root, (await git(root, ['rev-parse', '--git-path', 'index'])).trim());
    const seeded = await seedIndex(realIndex, env.GIT_INDEX_FILE as string);
    if (!seeded) {
      const head = await git(root, ['rev-parse', '--verify', '-q', 'HEAD^{tree}']).catch(() => '');
      if (head.trim()) await git(root, ['read-tree', head.trim()], env);
    }
    // one request for both steps (a round trip to a helper shell each)
    const script = '"$0" add -A -- . && "$0" write-tree';
    const sh = await runProgram(systemProgram('sh'), ['-c', script, systemProgram('git')], {
      cwd: root,
      env: { ...process.env, ...SAFE_ENV, ...env },
    });
    if (sh.code !== 0)
      throw new Error(`git add/write-tree failed: ${sh.stderr.trim() || sh.error || `exit ${sh.code}`}`);
    return sh.stdout.trim();
  });
}

/** Copy git's index with its timestamp (an earlier one only makes more entries get re-checked). */
async function seedIndex(from: string, to: string): Promise<boolean> {
  try {
    const { mtimeMs } = await stat(from);
    await copyFile(from, to);
    const second = Math.floor(mtimeMs / 1000);
    await utimes(to, second, second);
    return true;
  } catch {
    await rm(to, { force: true });
    return false;
  }
}

/** Take a checkpoint of the working tree; the commit is kept alive by a private ref. */
export async function createCheckpoint(root: string, sessionId: string, now = Date.now()): Promise<Checkpoint> {
  const tree = await snapshotTree(root);
  const ref = `refs/sedge/checkpoints/${sessionId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  const parent = (await git(root, ['rev-parse', '--verify', '-q', ref]).catch(() => '')).trim();
  const env = {
    GIT_AUTHOR_NAME: 'sedge',
    GIT_AUTHOR_EMAIL: 'sedge@localhost',
    GIT_COMMITTER_NAME: 'sedge',
    GIT_COMMITTER_EMAIL: 'sedge@localhost',
  };
  const commit = (
    await git(
      root,
      ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', `sedge checkpoint ${new Date(now).toISOString()}`],
      env,
    )
  ).trim();
  await git(root, ['update-ref', ref, commit]);
  return { commit, tree, ref, createdAt: now };
}

/** Paths that differ between the checkpoint and the working tree now. */
export async function changedSince(root: string, cp: Checkpoint): Promise<{ path: string; status: string }[]> {
  const now = await snapshotTree(root);
  if (now === cp.tree) return [];
  const out = await git(root, ['diff-tree', '-r', '-z', '--no-renames', '--name-status', cp.tree, now]);
  const parts = out.split('\0').filter((p) => p !== '');
  const changes: { path: string; status: string }[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2)
    changes.push({ status: parts[i] as string, path: parts[i + 1] as string });
  return changes;
}

/** Unified diff of the working tree against the checkpoint (for /diff). */
export async function diffSince(root: string, cp: Checkpoint): Promise<string> {
  const now = await snapshotTree(root);
  if (now === cp.tree) return '';
  return git(root, ['diff-tree', '-r', '-p', '--no-renames', '--no-color', cp.tree, now]);
}

/** Put back the files changed since the checkpoint. Only paths inside the repository are touched. */
export async function restoreCheckpoint(root: string, cp: Checkpoint): Promise<RestoreResult> {
  const changes = await changedSince(root, cp);
  const restore = changes.filter((c) => c.status !== 'A').map((c) => c.path);
  const remove = changes.filter((c) => c.status === 'A').map((c) => c.path);
  const inside = (p: string) => !isAbsolute(p) && !p.split(/[\\/]/).includes('..');
  for (const p of remove) {
    if (!inside(p)) continue;
    await unlink(join(root, ...p.split('/'))).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  if (restore.length) {
    await withTempIndex(async (env) => {
      await git(root, ['read-tree', cp.tree], env);
      await git(root, ['checkout-index', '-f', '-z', '--stdin'], env, `${restore.filter(inside).join('\0')}\0`);
    });
  }
  return { restored: restore, removed: remove.map((p) => p.split('/').join(sep)) };
}

/** Drop the session's checkpoint ref (the objects become garbage for git gc). */
export async function dropCheckpoints(root: string, sessionId: string): Promise<void> {
  const ref = `refs/sedge/checkpoints/${sessionId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  await git(root, ['update-ref', '-d', ref]).catch(() => undefined);
}
