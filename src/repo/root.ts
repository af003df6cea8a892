import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The nearest enclosing git work tree (a .git dir or file, so worktrees count), or null. No subprocess. */
export function findRepoRoot(start: string): string | null {
  let dir = resolve(start);
  while (true) {
    if (existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

const MAX_AGENTS_MD = 32 * 1024;

/** AGENTS.md at the repo root (instructions for the model), capped so it cannot swamp the context. */
export function readAgentsMd(root: string): string | null {
  const path = join(root, 'AGENTS.md');
  try {
    if (!statSync(path).isFile()) return null;
    const text = readFileSync(path, 'utf8');
    return text.length > MAX_AGENTS_MD ? `${text.slice(0, MAX_AGENTS_MD)}\n[AGENTS.md truncated at 32 KB]` : text;
  } catch {
    return null;
  }
}

/**
 * The repository's git directory (`.git`, or what a worktree's `.git` file points to), or null. sedge keeps
 * its temp files for atomic edits there: same filesystem as the work tree, never shown by `git status`.
 */
export function gitDirOf(root: string): string | null {
  const dotGit = join(root, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return dotGit;
    const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
    return m?.[1] ? resolve(root, m[1].trim()) : null;
  } catch {
    return null;
  }
}
