/**
 * The system programs sedge itself runs (bash, git) are resolved once to absolute paths, never from a relative
 * PATH entry (`.`, empty) nor from a directory inside the repository: with `.` on PATH a repo's own `./git`
 * or `./bash` would otherwise run with the user's rights the moment sedge opens the repo. (rg is the copy
 * @vscode/ripgrep ships, already absolute.)
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative } from 'node:path';

/** name + the directories searched -> path: a new exclusion that leaves the search the same keeps its answers */
const cache = new Map<string, string>();
let excluded: string[] = [];
let searched: { path: string; skip: string; dirs: string[] } | null = null;

/** Directories whose programs must never be used (the workspace). */
export function excludeProgramDirs(dirs: string[]): void {
  excluded = dirs.filter((d) => isAbsolute(d));
}

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The absolute PATH entries outside the excluded dirs (recomputed only when PATH or the exclusion changes). */
function searchDirs(path: string): string[] {
  const skip = excluded.length > 0 ? excluded : [process.cwd()];
  const skipKey = skip.join('\0');
  if (searched?.path === path && searched.skip === skipKey) return searched.dirs;
  const dirs = path.split(delimiter).filter((d) => d && isAbsolute(d) && !skip.some((root) => inside(root, d)));
  searched = { path, skip: skipKey, dirs };
  return dirs;
}

/** Absolute path of `name` from the absolute PATH entries outside the excluded dirs; throws when there is none. */
export function systemProgram(name: string, path = process.env.PATH ?? ''): string {
  const dirs = searchDirs(path);
  const key = `${name}\0${dirs.join('\0')}`;
  const hit = cache.get(key);
  if (hit) return hit;
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
    } catch {
      continue;
    }
    cache.set(key, candidate);
    return candidate;
  }
  for (const fallback of [`/usr/bin/${name}`, `/bin/${name}`]) {
    try {
      accessSync(fallback, constants.X_OK);
      cache.set(key, fallback);
      return fallback;
    } catch {
      // next
    }
  }
  throw new Error(`${name} not found on PATH (only absolute directories outside the repository are searched)`);
}
