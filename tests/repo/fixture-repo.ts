/** Test helper: copy a fixture from tests/fixtures/tests into a fresh temp git repo. */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tests');
const NODE_MODULES = join(import.meta.dirname, '..', '..', 'node_modules');

export interface FixtureRepo {
  dir: string;
  /** replace the first `from` in a file (relative path) with `to` */
  edit(file: string, from: string, to: string): void;
  write(file: string, text: string): void;
  cleanup(): void;
}

export function fixtureRepo(name: string | null, opts: { nodeModules?: boolean } = {}): FixtureRepo {
  const dir = mkdtempSync(join(tmpdir(), `sedge-tests-${name ?? 'empty'}-`));
  if (name) cpSync(join(FIXTURES, name), dir, { recursive: true });
  if (opts.nodeModules) symlinkSync(NODE_MODULES, join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, '.gitignore'), 'node_modules\ntarget\n');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '-A');
  git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'fixture');
  return {
    dir,
    edit(file, from, to) {
      const path = join(dir, file);
      const text = readFileSync(path, 'utf8');
      if (!text.includes(from)) throw new Error(`${file} has no ${from}`);
      writeFileSync(path, text.replace(from, to));
    },
    write(file, text) {
      const path = join(dir, file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
