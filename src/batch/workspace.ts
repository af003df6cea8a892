import { execFile } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isRepoUrl } from './manifest.js';
import type { BatchTask } from './types.js';

/** A task's own checkout: a worktree of a local repo, or a clone of a URL. The user's checkout is never touched. */
export interface TaskCheckout {
  dir: string;
  /** the commit the task starts from (patch.diff is against it) */
  baseRef: string;
  cleanup(): Promise<void>;
}

export class CheckoutError extends Error {
  override name = 'CheckoutError';
}

const GIT_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', SSH_ASKPASS: 'true', GIT_OPTIONAL_LOCKS: '0' };

export function git(cwd: string, args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd, timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, ...GIT_ENV } },
      (err, stdout, stderr) => {
        if (err) reject(new CheckoutError(`git ${args[0]}: ${(stderr || err.message).trim().split('\n').at(-1)}`));
        else resolve(stdout);
      },
    );
  });
}

/** Worktree operations on one repository run one at a time (git locks its admin files). */
const repoQueues = new Map<string, Promise<unknown>>();
function serial<T>(repo: string, fn: () => Promise<T>): Promise<T> {
  const prev = repoQueues.get(repo) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  repoQueues.set(
    repo,
    next.catch(() => undefined),
  );
  return next;
}

/** Make `dir` a fresh checkout of the task's repo at its ref (a leftover from a killed run is replaced). */
export async function checkoutTask(task: BatchTask, dir: string): Promise<TaskCheckout> {
  await rm(dir, { recursive: true, force: true });
  if (isRepoUrl(task.repo)) return cloneTask(task, dir);
  const repo = task.repo;
  const isDir = await stat(repo).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new CheckoutError(`repository not found: ${repo}`);
  await git(repo, ['rev-parse', '--git-dir']).catch(() => {
    throw new CheckoutError(`not a git repository: ${repo}`);
  });
  const baseRef = (
    await git(repo, ['rev-parse', '--verify', '--quiet', `${task.ref ?? 'HEAD'}^{commit}`]).catch(() => '')
  ).trim();
  if (!baseRef) throw new CheckoutError(`ref "${task.ref ?? 'HEAD'}" not found in ${repo}`);
  await serial(repo, async () => {
    await git(repo, ['worktree', 'prune']);
    await git(repo, ['worktree', 'add', '--detach', '--quiet', dir, baseRef]);
  });
  return {
    dir,
    baseRef,
    cleanup: () =>
      serial(repo, async () => {
        await git(repo, ['worktree', 'remove', '--force', dir]).catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
        await git(repo, ['worktree', 'prune']).catch(() => undefined);
      }),
  };
}

async function cloneTask(task: BatchTask, dir: string): Promise<TaskCheckout> {
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    await git(dirname(dir), ['clone', '--quiet', '--no-checkout', '--', task.repo, dir], 600_000);
    const ref = task.ref ?? 'HEAD';
    let baseRef = '';
    for (const candidate of [ref, `origin/${ref}`]) {
      baseRef = (await git(dir, ['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`]).catch(() => '')).trim();
      if (baseRef) break;
    }
    if (!baseRef) throw new CheckoutError(`ref "${ref}" not found in ${task.repo}`);
    await git(dir, ['checkout', '--quiet', '--detach', baseRef]);
    return { dir, baseRef, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** The task's whole change against its base commit (committed or not, new files included), for `git apply`. */
export async function diffAgainstBase(dir: string, baseRef: string): Promise<string> {
  await git(dir, ['add', '--all']);
  return git(dir, ['diff', '--cached', '--binary', '--no-color', '--no-ext-diff', baseRef]);
}
