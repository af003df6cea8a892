/**
 * Repository identity for per-repo caches: a hash of the root commit(s) and the normalised origin
 * URL, so clones and worktrees of one project share an id. Null outside git.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { runProgram } from '../exec/run-program.js';
import { systemProgram } from '../exec/system-programs.js';

/**
 * Everything startup asks git, in ONE process (a process start is the expensive part, more so on a busy
 * machine): the work tree's top and common git dir, the root commit(s), origin's URL and, when asked, the
 * AGENTS.md files git knows or would add. Sections end with NUL (no path or URL holds one); the listing is
 * `ls-files -z` output followed by NUL and its exit status. Only shell builtins besides git (absolute), so
 * nothing is looked up on a PATH a repository could have planted a program on.
 */
const FACTS_SCRIPT = `g="$0"
top=$("$g" rev-parse --show-toplevel --git-common-dir 2>/dev/null) || exit 3
printf '%s\\0' "$top"
"$g" rev-list --max-parents=0 HEAD 2>/dev/null; printf '\\0'
"$g" config --get remote.origin.url; printf '\\0'
[ "$1" = agents ] || exit 0
nl='
'
"$g" -C "\${top%%"$nl"*}" ls-files -z --cached --others --exclude-standard -- ':(glob)**/AGENTS.md' 2>/dev/null
printf '\\0%s' "$?"`;

export interface RepoFacts {
  identity: { root: string; id: string } | null;
  /** paths of the AGENTS.md files (relative to the root), or null when not asked or git could not list them */
  agentsPaths: string[] | null;
}

/** repoIdentity, and the AGENTS.md listing with `agents: true`, from one process. */
export function repoFacts(cwd: string, opts: { agents?: boolean } = {}): Promise<RepoFacts> {
  return new Promise((done) => {
    const none = () => done({ identity: null, agentsPaths: null });
    let git: string;
    try {
      git = systemProgram('git');
    } catch {
      return none();
    }
    // through sedge's helper shells (exec/run-program.ts): no process started from the Node process itself
    runProgram(systemProgram('sh'), ['-c', FACTS_SCRIPT, git, opts.agents ? 'agents' : ''], {
      cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
      timeoutMs: 10_000,
    }).then(
      (r) => {
        if (r.code !== 0) return none();
        const [dirs = '', roots = '', remote = '', ...listing] = r.stdout.split('\0');
        const [root, common] = dirs.split('\n');
        if (!root) return none();
        const status = opts.agents ? listing.pop() : undefined;
        done({
          identity: identityOf(root, roots.trim(), remote.trim(), resolve(cwd, common || '.git')),
          agentsPaths: status === '0' ? listing.filter(Boolean) : null,
        });
      },
      () => none(),
    );
  });
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
  return (await repoFacts(cwd)).identity;
}

/** `common`: the shared git dir, absolute */
function identityOf(root: string, roots: string, origin: string, common: string): { root: string; id: string } {
  // a clone of a local path shares its origin's history; the path says nothing about the project
  const remote = /^(\/|\.|file:|[A-Za-z]:\\)/.test(origin) ? '' : origin;
  // no commits yet: the shared git dir (same for all worktrees of this clone)
  const basis = roots ? `commit:${roots.split('\n').sort()[0]}` : `dir:${common}`;
  const id = createHash('sha256')
    .update(`${basis}\nremote:${normalizeRemote(remote)}`)
    .digest('hex')
    .slice(0, 20);
  return { root, id };
}
