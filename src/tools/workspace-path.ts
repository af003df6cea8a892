import { lstat, readlink, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

export interface WorkspacePathOptions {
  /** the caller means to write (or create) this path; read-only roots are refused */
  write?: boolean;
  /** extra directories that may be read but never written (e.g. where long tool outputs are saved) */
  readOnlyRoots?: string[];
}

export interface WorkspacePath {
  /** canonical absolute path (symlinks resolved); operate on this one */
  abs: string;
  /** path relative to the workspace ('.' for the workspace itself); the absolute path for a read-only root */
  rel: string;
}

/**
 * Resolve a path the model gave against the workspace and make sure it stays inside.
 * Relative paths resolve against the workspace; absolute ones must lie inside it (or, for reads, inside a
 * read-only root). The result is canonical: symlinks are followed, and for a path that does not exist yet the
 * nearest existing parent is canonicalised. Throws an Error whose message says which path, why, and what is allowed.
 */
export async function resolveWorkspacePath(
  workspace: string,
  input: string,
  opts: WorkspacePathOptions = {},
): Promise<WorkspacePath> {
  const given = input.trim();
  if (given === '') throw new Error('Empty path. Give a file path relative to the workspace, e.g. "src/index.ts".');
  if (given.includes('\0')) throw new Error(`Path ${JSON.stringify(input)} contains a NUL byte.`);

  const root = await canonicalRoot(workspace);
  const roRoots = await Promise.all((opts.readOnlyRoots ?? []).map((r) => canonicalRoot(r).catch(() => null)));
  const lexical = isAbsolute(given) ? resolve(given) : resolve(root, given);
  const abs = await canonicalise(lexical, given);

  if (isInside(root, abs)) return { abs, rel: relative(root, abs) || '.' };

  const ro = roRoots.find((r): r is string => r !== null && isInside(r, abs));
  if (ro !== undefined) {
    if (opts.write) {
      throw new Error(
        `Path "${given}" is in a read-only location (${ro}): it can be read but not changed. ` +
          'Only files inside the workspace can be edited; copy what you need into the workspace first.',
      );
    }
    return { abs, rel: abs };
  }

  const lexicallyInside = isInside(root, lexical) || isInside(resolve(workspace), lexical);
  const why = lexicallyInside
    ? `it goes through a symlink that points outside the workspace (to ${abs})`
    : `it resolves to ${abs}, outside the workspace`;
  throw new Error(
    `Path "${given}" is not allowed: ${why}. Only paths inside the workspace ${root} are allowed ` +
      '(relative paths are resolved against it).',
  );
}

async function canonicalRoot(dir: string): Promise<string> {
  return realpath(resolve(dir));
}

function isInside(root: string, p: string): boolean {
  if (p === root) return true;
  const prefix = root.endsWith(sep) ? root : root + sep;
  return p.startsWith(prefix);
}

/**
 * realpath() for a path that may not exist yet: canonicalise the nearest existing ancestor and append the rest.
 * A dangling symlink on the way is followed by hand (so a link to a missing file outside cannot be used to write there).
 */
async function canonicalise(lexical: string, given: string, depth = 0): Promise<string> {
  if (depth > 32) throw new Error(`Path "${given}" has too many levels of symbolic links.`);
  const missing: string[] = [];
  let current = lexical;
  for (;;) {
    try {
      const real = await realpath(current);
      return missing.length ? join(real, ...missing.reverse()) : real;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw new Error(`Path "${given}" has a symbolic link loop.`);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    }
    const link = await lstat(current).then(
      (st) => st.isSymbolicLink(),
      () => false,
    );
    if (link) {
      // a dangling symlink: follow its target lexically and canonicalise that instead
      const target = resolve(dirname(current), await readlink(current));
      return canonicalise(missing.length ? join(target, ...missing.reverse()) : target, given, depth + 1);
    }
    const parent = dirname(current);
    if (parent === current) return lexical;
    missing.push(current.slice(parent.length).replace(/^[\\/]+/, ''));
    current = parent;
  }
}
