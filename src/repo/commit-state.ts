/**
 * Small, cheap reads of a repository's committed state: the HEAD commit, the blob a commit holds for some
 * paths, and whether one commit descends from another. Used to learn later what happened to a run's change
 * (traces/follow-up.ts): one or two git processes each, never a walk of the history.
 */
import { execFile } from 'node:child_process';
import { systemProgram } from '../exec/system-programs.js';

function git(root: string, args: string[], timeoutMs = 15_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      systemProgram('git'),
      args,
      {
        cwd: root,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
        maxBuffer: 16 * 1024 * 1024,
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
      },
      (err, stdout) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err.code as number) : -1) : 0;
        resolve({ code, out: String(stdout) });
      },
    );
  });
}

/** The commit HEAD points at, or null (no commit yet, or not a repository). */
export async function headCommit(root: string): Promise<string | null> {
  const r = await git(root, ['rev-parse', '--verify', '-q', 'HEAD^{commit}']);
  return r.code === 0 && r.out.trim() ? r.out.trim() : null;
}

/** path -> blob id in commit `rev` for the given paths (paths the commit lacks are absent). */
export async function commitBlobs(root: string, rev: string, paths: string[]): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  if (!paths.length) return map;
  const r = await git(root, ['ls-tree', '-z', '--full-tree', rev, '--', ...paths]);
  if (r.code !== 0) return map;
  // "<mode> <type> <blob>\t<path>" per entry
  for (const entry of r.out.split('\0')) {
    const m = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(entry);
    if (m) map.set(m[2] as string, m[1] as string);
  }
  return map;
}

/** Is `ancestor` reachable from `rev` (a commit on top of it, not a switch to another line)? */
export async function descendsFrom(root: string, rev: string, ancestor: string): Promise<boolean> {
  return (await git(root, ['merge-base', '--is-ancestor', ancestor, rev])).code === 0;
}
