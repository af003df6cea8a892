/**
 * The system programs sedge itself runs (bash, git) are resolved once to absolute paths, never from a relative
 * PATH entry (`.`, empty) nor from a directory inside the repository: with `.` on PATH a repo's own `./git`
 * or `./bash` would otherwise run with the user's rights the moment sedge opens the repo. (rg is the copy
 * @vscode/ripgrep ships, already absolute.)
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative } from 'node:path';

const cache = new Map<string, string>();
let excluded: string[] = [];

/** Directories whose programs must never be used (the workspace); clears what was resolved before. */
export function excludeProgramDirs(dirs: string[]): void {
  excluded = dirs.filter((d) => isAbsolute(d));
  cache.clear();
}

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Absolute path of `name` from the absolute PATH entries outside the excluded dirs; throws when there is none. */
export function systemProgram(name: string, path = process.env.PATH ?? ''): string {
  const hit = cache.get(name);
  if (hit) return hit;
  const skip = excluded.length > 0 ? excluded : [process.cwd()];
  for (const dir of path.split(delimiter)) {
    if (!dir || !isAbsolute(dir) || skip.some((root) => inside(root, dir))) continue;
    const candidate = join(dir, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
    } catch {
      continue;
    }
    cache.set(name, candidate);
    return candidate;
  }
  for (const fallback of [`/usr/bin/${name}`, `/bin/${name}`]) {
    try {
      accessSync(fallback, constants.X_OK);
      cache.set(name, fallback);
      return fallback;
    } catch {
      // next
    }
  }
  throw new Error(`${name} not found on PATH (only absolute directories outside the repository are searched)`);
}
