/**
 * A repo's main language, from the files git knows about: a Python project that also ships a package.json for
 * its JavaScript (Django: `npm test` runs grunt/QUnit) must still be tested with its Python suite. Only a
 * clear majority counts; a repo without git, or evenly mixed, has no main language.
 */
import { execFile } from 'node:child_process';
import { systemProgram } from '../exec/system-programs.js';

export type Lang = 'js' | 'python' | 'go' | 'rust';

const EXT: [RegExp, Lang][] = [
  [/\.(m|c)?[jt]sx?$/, 'js'],
  [/\.pyx?$/, 'python'],
  [/\.go$/, 'go'],
  [/\.rs$/, 'rust'],
];

/** Files outside the project's own code: vendored, built or bundled. */
const SKIP = /(^|\/)(node_modules|vendor|third_party|dist|build|static|assets|public|docs?)\//;

function gitFiles(root: string): Promise<string[]> {
  return new Promise((resolve) => {
    execFile(
      systemProgram('git'),
      ['ls-files', '--cached', '--others', '--exclude-standard'],
      { cwd: root, maxBuffer: 64 * 1024 * 1024, timeout: 10_000 },
      (err, stdout) => resolve(err ? [] : stdout.split('\n').filter(Boolean)),
    );
  });
}

/** The language with at least twice as many source files as any other, or null. */
export async function mainLanguage(root: string): Promise<Lang | null> {
  const counts = new Map<Lang, number>();
  for (const f of await gitFiles(root)) {
    if (SKIP.test(f) || /\.(min|d)\.[jt]s$/.test(f)) continue;
    const lang = EXT.find(([re]) => re.test(f))?.[1];
    if (lang) counts.set(lang, (counts.get(lang) ?? 0) + 1);
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const [top, next] = ranked;
  if (!top || top[1] < 5) return null;
  return !next || top[1] >= 2 * next[1] ? top[0] : null;
}

/** The language a test command belongs to, when it says so plainly. */
export function commandLanguage(command: string): Lang | null {
  const c = command.trim().replace(/^(?:[A-Za-z_]\w*=\S*\s+)*/, '');
  if (/^(npm|npx|yarn|pnpm|pnpx|bun|bunx|node|deno|vitest|jest|mocha|ava|tap|uvu)\b/.test(c)) return 'js';
  if (/^(python3?|py\.test|pytest|tox|nox|hatch|poetry|uv|pdm|pipenv|coverage)\b/.test(c)) return 'python';
  if (/^go\s/.test(c)) return 'go';
  if (/^cargo\s/.test(c)) return 'rust';
  return null;
}
