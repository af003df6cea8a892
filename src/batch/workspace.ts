import { rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isRepoUrl } from './manifest.js';
import type { BatchTask } from './types.js';
import { runProgram } from '../exec/run-program.js';
import { systemProgram } from '../exec/system-programs.js';

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

export async function git(cwd: string, args: string[], timeoutMs = 120_000): Promise<string> {
  const r = await runProgram(systemProgram('git'), args, { cwd, timeoutMs, env: { ...process.env, ...GIT_ENV } });
  if (r.code === 0) return r.stdout;
  throw new CheckoutError(
    `git ${args[0]}: ${(r.stderr || r.error || `exit code ${r.code}`).trim().split('\n').at(-1)}`,
  );
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

/**
 * Each step below is one `sh -c` running several git commands: starting a process from a large Node process
 * costs far more than from a small shell, and the harness pays it for every task (measured in bench/batch.js).
 */
const CHECKOUT = `
cd "$1" 2>/dev/null || exit 10
base=$(git rev-parse --verify --quiet "$3^{commit}" 2>/dev/null)
case $? in 0) ;; 128) exit 11 ;; *) exit 12 ;; esac
# the repository's own hooks (a post-checkout that installs dependencies, ...) do not run for a task checkout
git -c core.hooksPath=/dev/null worktree add --detach --quiet "$2" "$base" 2>/dev/null ||
  { git worktree prune && git -c core.hooksPath=/dev/null worktree add --detach --quiet "$2" "$base"; } || exit 13
echo "$base"`;
const REMOVE = `git -C "$1" worktree remove --force "$2" 2>/dev/null || { rm -rf "$2"; git -C "$1" worktree prune; }`;
const DIFF = 'git add --all && git diff --cached --binary --no-color --no-ext-diff "$1"';

async function sh(script: string, cwd: string, args: string[], timeoutMs = 120_000): Promise<string> {
  const r = await runProgram(systemProgram('sh'), ['-c', script, 'sh', ...args], {
    cwd,
    timeoutMs,
    env: { ...process.env, ...GIT_ENV },
  });
  if (r.code === 0) return r.stdout;
  const e = new CheckoutError((r.stderr || r.error || `exit code ${r.code}`).trim().split('\n').at(-1) ?? 'failed');
  (e as { exitCode?: unknown }).exitCode = r.code;
  throw e;
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
  const ref = task.ref ?? 'HEAD';
  const baseRef = await serial(repo, () => sh(CHECKOUT, repo, [repo, dir, ref])).then(
    (out) => out.trim(),
    (err: CheckoutError & { exitCode?: number }) => {
      const why: Record<number, string> = {
        10: `repository not found: ${repo}`,
        11: `not a git repository: ${repo}`,
        12: `ref "${ref}" not found in ${repo}`,
      };
      throw new CheckoutError(why[err.exitCode ?? 0] ?? `git worktree add: ${err.message}`);
    },
  );
  return {
    dir,
    baseRef,
    cleanup: () => serial(repo, () => sh(REMOVE, repo, [repo, dir]).then(() => undefined)),
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
    await git(dir, ['-c', 'core.hooksPath=/dev/null', 'checkout', '--quiet', '--detach', baseRef]);
    return { dir, baseRef, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** The task's whole change against its base commit (committed or not, new files included), for `git apply`. */
export function diffAgainstBase(dir: string, baseRef: string): Promise<string> {
  return sh(DIFF, dir, [baseRef]);
}
