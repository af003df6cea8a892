/**
 * The gate leaves the tree as it found it: a test script that formats with --write or regenerates snapshots
 * must not make its edits look like the model's. Before a run, the state of tracked files is recorded with
 * `git stash create` (a commit object; the tree and index are not touched); after it, tracked files the run
 * changed are put back from that record, and files it created are listed (not deleted: they may be build output
 * the next run needs).
 */
import { runProgram } from '../exec/run-program.js';
import { systemProgram } from '../exec/system-programs.js';

export interface TreeMark {
  root: string;
  /** commit holding the tracked files as they were (HEAD when the tree was clean) */
  source: string;
  untracked: Set<string>;
}

export interface TreeChanges {
  /** tracked files the test run changed, restored to what they were before it */
  restored: string[];
  /** files the test run created (not ignored by git), left in place */
  created: string[];
}

async function git(cwd: string, args: string[]): Promise<string | null> {
  const r = await runProgram(systemProgram('git'), args, { cwd, timeoutMs: 60_000 });
  return r.code === 0 ? r.stdout : null;
}

async function untracked(root: string): Promise<Set<string> | null> {
  const out = await git(root, ['ls-files', '-z', '--others', '--exclude-standard']);
  return out === null ? null : new Set(out.split('\0').filter(Boolean));
}

/** Record the tree before a test run; null outside a git work tree or in a repo without commits. */
export async function markTree(cwd: string): Promise<TreeMark | null> {
  const root = (await git(cwd, ['rev-parse', '--show-toplevel']))?.trim();
  if (!root) return null;
  const head = (await git(root, ['rev-parse', '--verify', '-q', 'HEAD']))?.trim();
  if (!head) return null;
  const stash = (await git(root, ['stash', 'create']))?.trim();
  const files = await untracked(root);
  if (files === null) return null;
  return { root, source: stash || head, untracked: files };
}

/** Put back what the run changed in tracked files; list what it created. */
export async function restoreTree(mark: TreeMark): Promise<TreeChanges> {
  const now = (await git(mark.root, ['stash', 'create']))?.trim() || 'HEAD';
  const diff = await git(mark.root, ['diff', '--name-only', '-z', '--no-renames', mark.source, now]);
  const restored = (diff ?? '').split('\0').filter(Boolean);
  if (restored.length) {
    // files the run deleted come back too; a file that was not in the record is left alone
    await git(mark.root, ['restore', `--source=${mark.source}`, '--worktree', '--', ...restored]);
  }
  const after = (await untracked(mark.root)) ?? new Set<string>();
  const created = [...after].filter((f) => !mark.untracked.has(f));
  return { restored, created };
}

/**
 * What the work tree holds, as one string: the tree id of tracked content plus the names and blob ids of
 * untracked files. Equal strings: nothing changed in between. Null outside git.
 */
export async function treeFingerprint(cwd: string): Promise<string | null> {
  const root = (await git(cwd, ['rev-parse', '--show-toplevel']))?.trim();
  if (!root) return null;
  const stash = (await git(root, ['stash', 'create']))?.trim();
  const tree = (await git(root, ['rev-parse', '-q', '--verify', `${stash || 'HEAD'}^{tree}`]))?.trim() ?? 'none';
  const files = [...((await untracked(root)) ?? [])].sort().slice(0, 5000);
  const blobs = files.length ? await hashFiles(root, files) : '';
  return `${tree}\n${files.map((f, i) => `${f} ${blobs.split('\n')[i] ?? ''}`).join('\n')}`;
}

async function hashFiles(root: string, files: string[]): Promise<string> {
  const input = `${files.join('\n')}\n`;
  const r = await runProgram(systemProgram('git'), ['hash-object', '--stdin-paths'], {
    cwd: root,
    timeoutMs: 60_000,
    input,
  });
  return r.code === 0 ? r.stdout : '';
}
