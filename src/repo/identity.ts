/**
 * Repository identity for per-repo caches: a hash of the root commit(s) and the normalised origin
 * URL, so clones and worktrees of one project share an id. Null outside git.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { runProgram } from '../exec/run-program.js';
import { systemProgram } from '../exec/system-programs.js';

async function git(cwd: string, args: string[]): Promise<string | null> {
  const r = await runProgram(systemProgram('git'), args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  return r.code === 0 ? r.stdout.trim() : null;
}

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

export async function repoIdentity(cwd: string): Promise<{ root: string; id: string } | null> {
  const root = await git(cwd, ['rev-parse', '--show-toplevel']);
  if (!root) return null;
  const roots = await git(root, ['rev-list', '--max-parents=0', 'HEAD']);
  let remote = (await git(root, ['config', '--get', 'remote.origin.url'])) ?? '';
  // a clone of a local path shares its origin's history; the path says nothing about the project
  if (/^(\/|\.|file:|[A-Za-z]:\\)/.test(remote)) remote = '';
  let basis: string;
  if (roots) basis = `commit:${roots.split('\n').sort()[0]}`;
  else {
    // no commits yet: the shared git dir (same for all worktrees of this clone)
    const common = await git(root, ['rev-parse', '--git-common-dir']);
    basis = `dir:${resolve(root, common ?? '.git')}`;
  }
  const id = createHash('sha256')
    .update(`${basis}\nremote:${normalizeRemote(remote)}`)
    .digest('hex')
    .slice(0, 20);
  return { root, id };
}
