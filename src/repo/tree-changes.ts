/**
 * What changed between two snapshots of the working tree (tree ids from checkpoint.ts snapshotTree):
 * path, status and line counts, straight from git, whatever made the change (the sed tool, `sed -i`,
 * `git apply`, a formatter). Comparing two snapshots, not HEAD, leaves out files that were already dirty.
 */
import { runProgram } from '../exec/run-program.js';
import { systemProgram } from '../exec/system-programs.js';

export interface TreeChange {
  path: string;
  /** git status letter: A added, M modified, D deleted, T type changed */
  status: string;
  /** lines added and removed (0 and 0 for a binary file) */
  added: number;
  removed: number;
}

async function git(root: string, args: string[], timeoutMs: number): Promise<string> {
  const r = await runProgram(systemProgram('git'), args, {
    cwd: root,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
    timeoutMs,
  });
  if (r.code !== 0) throw new Error(`git ${args[0]}: ${r.stderr.trim() || r.error || `exit code ${r.code}`}`);
  return r.stdout;
}

/** Split `-z` output into its NUL-separated fields. */
function fields(out: string): string[] {
  return out.split('\0').filter((f) => f !== '');
}

/** Files that differ between tree `from` and tree `to`, sorted by path; [] when the trees are equal. */
export async function treeChanges(root: string, from: string, to: string, timeoutMs = 30_000): Promise<TreeChange[]> {
  if (from === to) return [];
  const base = ['diff-tree', '-r', '-z', '--no-renames', '--no-ext-diff', '--no-textconv'];
  const [status, numstat] = await Promise.all([
    git(root, [...base, '--name-status', from, to], timeoutMs),
    git(root, [...base, '--numstat', from, to], timeoutMs),
  ]);
  const byPath = new Map<string, TreeChange>();
  const s = fields(status);
  for (let i = 0; i + 1 < s.length; i += 2) {
    const path = s[i + 1] as string;
    byPath.set(path, { path, status: (s[i] as string).charAt(0), added: 0, removed: 0 });
  }
  // numstat -z: "added\tremoved\tpath" per entry ("-\t-\tpath" for binary files)
  for (const entry of fields(numstat)) {
    const m = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(entry);
    const change = m ? byPath.get(m[3] as string) : undefined;
    if (!m || !change) continue;
    change.added = m[1] === '-' ? 0 : Number(m[1]);
    change.removed = m[2] === '-' ? 0 : Number(m[2]);
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
