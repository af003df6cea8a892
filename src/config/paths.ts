import { homedir } from 'node:os';
import { join } from 'node:path';

type Env = Record<string, string | undefined>;

function base(env: Env, xdg: string, fallback: string[]): string {
  const v = env[xdg];
  return v?.startsWith('/') ? v : join(env.HOME || homedir(), ...fallback);
}

/** $XDG_CONFIG_HOME/sedge */
export function configDir(env: Env = process.env): string {
  return join(base(env, 'XDG_CONFIG_HOME', ['.config']), 'sedge');
}

/** $XDG_STATE_HOME/sedge: sessions, saved tool outputs, input history */
export function stateDir(env: Env = process.env): string {
  return join(base(env, 'XDG_STATE_HOME', ['.local', 'state']), 'sedge');
}

/** $XDG_CACHE_HOME/sedge: per-repo traces */
export function cacheDir(env: Env = process.env): string {
  return join(base(env, 'XDG_CACHE_HOME', ['.cache']), 'sedge');
}
