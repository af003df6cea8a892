import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A throwaway git repository with the given files committed. */
export function makeTempRepo(
  files: Record<string, string>,
  opts: { git?: boolean } = {},
): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sedge-repo-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  if (opts.git !== false) {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'test@example.invalid');
    git('config', 'user.name', 'test');
    git('config', 'commit.gpgsign', 'false');
    git('add', '-A');
    git('commit', '-q', '-m', 'initial', '--allow-empty');
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Private XDG dirs so tests never touch the real home. */
export interface TempHome {
  env: { HOME: string; XDG_CONFIG_HOME: string; XDG_STATE_HOME: string; XDG_CACHE_HOME: string };
  dir: string;
  cleanup: () => void;
}

export function makeTempHome(): TempHome {
  const dir = mkdtempSync(join(tmpdir(), 'sedge-home-'));
  const env = {
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_STATE_HOME: join(dir, 'state'),
    XDG_CACHE_HOME: join(dir, 'cache'),
  };
  return { env, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
