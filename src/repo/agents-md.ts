/**
 * AGENTS.md files: instructions a repository gives the model. One at the root applies everywhere; one in a
 * subdirectory applies to work in that subtree and, where they disagree, beats the ones above it (the
 * convention other agents follow). The run's first message carries them nearest-first: the ones on the path
 * from the working directory up to the root, then the other subtrees' files, each labelled with its scope.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { runProgram } from '../exec/run-program.js';
import { systemProgram } from '../exec/system-programs.js';

export interface AgentsFile {
  /** the directory it governs, relative to the root ('' for the root itself), with / separators */
  dir: string;
  text: string;
}

const NAME = 'AGENTS.md';
const MAX_FILES = 64;

function readFile(path: string): string | null {
  try {
    if (!statSync(path).isFile()) return null;
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

const LIST_ARGS = ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', `:(glob)**/${NAME}`];

function dirsOf(out: string): string[] {
  const dirs = out
    .split('\0')
    .filter((p) => p === NAME || p.endsWith(`/${NAME}`))
    .map((p) => (p === NAME ? '' : p.slice(0, -NAME.length - 1)));
  return [...new Set(dirs)];
}

/** Directories (relative to root) that hold an AGENTS.md git knows or would add (ignored files are skipped). */
function listedDirs(root: string): string[] | null {
  try {
    const out = execFileSync(systemProgram('git'), ['-C', root, ...LIST_ARGS], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
      maxBuffer: 8 * 1024 * 1024,
    });
    return dirsOf(out);
  } catch {
    return null;
  }
}

/**
 * The same listing without blocking, through a helper shell (exec/run-program.ts): the composition root asks
 * for it early and hands it to agentsInstructions. Null when git cannot list the files.
 */
export async function listAgentsDirs(root: string): Promise<string[] | null> {
  const r = await runProgram(systemProgram('git'), ['-C', root, ...LIST_ARGS], { cwd: root, timeoutMs: 10_000 });
  return r.code === 0 ? dirsOf(r.stdout) : null;
}

/** The directories from `cwd` up to `root`, nearest first, relative to root. */
function chain(root: string, cwd: string): string[] {
  const rel = toPosix(relative(root, cwd));
  if (rel.startsWith('..')) return [''];
  const out: string[] = [];
  let d = rel;
  while (true) {
    out.push(d);
    if (d === '') break;
    const parent = dirname(d);
    d = parent === '.' ? '' : parent;
  }
  return out;
}

/**
 * Every AGENTS.md of the repository, nearest to `cwd` first: its own directory and each parent up to the
 * root, then the files of other subtrees, shallow before deep.
 */
export function findAgentsFiles(root: string, cwd: string = root, dirs?: string[] | null): AgentsFile[] {
  const up = chain(root, cwd);
  const listed = (dirs === undefined ? listedDirs(root) : dirs) ?? up;
  const others = listed
    .filter((d) => !up.includes(d))
    .sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  const files: AgentsFile[] = [];
  for (const dir of [...up, ...others].slice(0, MAX_FILES)) {
    const text = readFile(join(root, dir, NAME));
    if (text?.trim()) files.push({ dir, text });
  }
  return files;
}

/**
 * The AGENTS.md files that govern `cwd` (its own directory and each parent up to the root that has one),
 * nearest first, as paths relative to the root. Told with the task when a run starts below the root: the
 * instructions block itself lists every file in the same order for every run in the repository, so the
 * cached prompt prefix does not depend on where sedge starts.
 */
export function applicableAgentsFiles(root: string, cwd: string): string[] {
  return chain(root, cwd)
    .filter((dir) => readFile(join(root, dir, NAME))?.trim())
    .map((dir) => (dir === '' ? NAME : `${dir}/${NAME}`));
}

/**
 * The instructions block for the first message, within `budget` characters; files past the budget are
 * named so the model can read them when it works there. Null when the repository has none. `dirs`: the
 * listing from listAgentsDirs (when undefined it is made here, synchronously).
 */
export function agentsInstructions(
  root: string,
  cwd: string = root,
  budget = 32 * 1024,
  dirs?: string[] | null,
): string | null {
  const files = findAgentsFiles(root, cwd, dirs);
  if (!files.length) return null;
  const scope = (d: string) => (d === '' ? 'the whole repository' : `work under ${d}/`);
  const parts: string[] = [];
  const skipped: string[] = [];
  let used = 0;
  for (const f of files) {
    const where = f.dir === '' ? NAME : `${f.dir}/${NAME}`;
    const head = `--- ${where} (applies to ${scope(f.dir)}) ---`;
    const room = budget - used - head.length - 1;
    if (room <= 200) {
      skipped.push(where);
      continue;
    }
    const text = f.text.trim();
    const body = text.length > room ? `${text.slice(0, room)}\n[${where} truncated]` : text;
    parts.push(`${head}\n${body}`);
    used += head.length + body.length + 2;
  }
  const intro =
    files.length === 1 && files[0]?.dir === ''
      ? 'Instructions from AGENTS.md in this repository:'
      : 'Instructions from the AGENTS.md files in this repository, nearest to the working directory first. ' +
        'Each applies to work in its own directory and below; where two disagree, the one nearest to the ' +
        'files you are changing wins.';
  const more = skipped.length ? `\n(also: ${skipped.join(', ')}; read them before working there)` : '';
  return `${intro}\n${parts.join('\n\n')}${more}`;
}
