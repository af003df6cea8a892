/**
 * Repository identity for per-repo caches: a hash of the root commit(s) and the normalised origin
 * URL, so clones and worktrees of one project share an id. Null outside git.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { runProgram } from '../exec/run-program.js';
import { systemProgram } from '../exec/system-programs.js';

/**
 * https://user:pw@GitHub.com/A/b.git, git@github.com:a/b, ssh://git@github.com/a/b -> github.com/a/b
 * (lower-cased: forges treat owner/name case-insensitively).
 */
export function normalizeRemote(url: string): string {
  let u = url.trim();
  if (!u) return '';
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/.exec(u);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) u = `${scp[1]}/${scp[2]}`;
  u = u.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/^[^@/]*@/, '');
  const slash = u.indexOf('/');
  const host = (slash < 0 ? u : u.slice(0, slash)).toLowerCase().replace(/:\d+$/, '');
  const path = slash < 0 ? '' : u.slice(slash);
  return `${host}${path}`
    .toLowerCase()
    .replace(/\.git\/?$/, '')
    .replace(/\/+$/, '');
}

// one request: the root, the root commit(s), origin's URL and (only without commits) the shared git dir
const IDENTITY = `root=$(git rev-parse --show-toplevel) && cd "$root" || exit 10
roots=$(git rev-list --max-parents=0 HEAD 2>/dev/null)
remote=$(git config --get remote.origin.url)
common=
[ -n "$roots" ] || common=$(git rev-parse --git-common-dir)
printf '%s\\000' "$root" "$roots" "$remote" "$common"`;

export async function repoIdentity(cwd: string): Promise<{ root: string; id: string } | null> {
  // $0 is git's absolute path (never one found on a PATH that could point into the repository)
  const r = await runProgram(systemProgram('sh'), ['-c', `git() { "$0" "$@"; }\n${IDENTITY}`, systemProgram('git')], {
    cwd,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
  });
  if (r.code !== 0) return null;
  const [root = '', roots = '', origin = '', common = ''] = r.stdout.split('\0');
  if (!root) return null;
  let remote = origin.trim();
  // a clone of a local path shares its origin's history; the path says nothing about the project
  if (/^(\/|\.|file:|[A-Za-z]:\\)/.test(remote)) remote = '';
  let basis: string;
  if (roots.trim()) basis = `commit:${roots.trim().split('\n').sort()[0]}`;
  // no commits yet: the shared git dir (same for all worktrees of this clone)
  else basis = `dir:${resolve(root, common.trim() || '.git')}`;
  const id = createHash('sha256')
    .update(`${basis}\nremote:${normalizeRemote(remote)}`)
    .digest('hex')
    .slice(0, 20);
  return { root, id };
}
