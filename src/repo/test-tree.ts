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

/**
 * Several git steps in one `sh` request (each request is a round trip to a helper shell): the script's
 * stdout is read back as NUL-separated fields. Null when it failed.
 */
async function gitScript(cwd: string, script: string, args: string[] = []): Promise<string[] | null> {
  // $0 is git's absolute path (never one found on a PATH that could point into the repository)
  const body = `git() { "$0" "$@"; }\n${script}`;
  const r = await runProgram(systemProgram('sh'), ['-c', body, systemProgram('git'), ...args], {
    cwd,
    timeoutMs: 120_000,
  });
  return r.code === 0 ? r.stdout.split('\0') : null;
}

/** NUL-separated entries up to the first empty one (the end of a list in gitScript output). */
function takeList(fields: string[], from: number): { list: string[]; next: number } {
  const list: string[] = [];
  let i = from;
  while (i < fields.length && fields[i] !== '') list.push(fields[i++] as string);
  return { list, next: i + 1 };
}

// root, the commit holding the tracked files (a stash-like commit, or HEAD when clean), then the untracked files
const MARK = `root=$(git rev-parse --show-toplevel) && cd "$root" || exit 10
head=$(git rev-parse --verify -q HEAD) || exit 11
stash=$(git stash create 2>/dev/null)
printf '%s\\000%s\\000' "$root" "\${stash:-$head}"
git ls-files -z --others --exclude-standard || exit 12`;

// tracked files that differ from the mark, an empty entry, then the untracked files now
const CHANGED = `now=$(git stash create 2>/dev/null); [ -n "$now" ] || now=HEAD
git diff --name-only -z --no-renames "$1" "$now" || exit 10
printf '\\000'
git ls-files -z --others --exclude-standard || exit 11`;

// the tree id of the tracked content (stash-like commit or HEAD), then the untracked files
const PRINT = `root=$(git rev-parse --show-toplevel) && cd "$root" || exit 10
stash=$(git stash create 2>/dev/null)
tree=$(git rev-parse -q --verify "\${stash:-HEAD}^{tree}") || tree=none
printf '%s\\000%s\\000' "$root" "$tree"
git ls-files -z --others --exclude-standard || exit 11`;

/** Record the tree before a test run; null outside a git work tree or in a repo without commits. */
export async function markTree(cwd: string): Promise<TreeMark | null> {
  const f = await gitScript(cwd, MARK);
  if (!f?.[0] || !f[1]) return null;
  return { root: f[0], source: f[1], untracked: new Set(takeList(f, 2).list) };
}

/** Put back what the run changed in tracked files; list what it created. */
export async function restoreTree(mark: TreeMark): Promise<TreeChanges> {
  const f = await gitScript(mark.root, CHANGED, [mark.source]);
  const changed = f ? takeList(f, 0) : { list: [], next: 0 };
  const restored = changed.list;
  if (restored.length) {
    // files the run deleted come back too; a file that was not in the record is left alone
    await git(mark.root, ['restore', `--source=${mark.source}`, '--worktree', '--', ...restored]);
  }
  // restoring tracked files leaves the untracked ones as they were: the listing above still holds
  const after = f ? takeList(f, changed.next).list : [];
  const created = after.filter((file) => !mark.untracked.has(file));
  return { restored, created };
}

/**
 * What the work tree holds, as one string: the tree id of tracked content plus the names and blob ids of
 * untracked files. Equal strings: nothing changed in between. Null outside git.
 */
export async function treeFingerprint(cwd: string): Promise<string | null> {
  const f = await gitScript(cwd, PRINT);
  if (!f?.[0]) return null;
  const root = f[0];
  const tree = f[1] || 'none';
  const files = takeList(f, 2).list.sort().slice(0, 5000);
  const blobs = files.length ? await hashFiles(root, files) : '';
  return `${tree}\n${files.map((file, i) => `${file} ${blobs.split('\n')[i] ?? ''}`).join('\n')}`;
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
