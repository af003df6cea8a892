import { spawnSync } from 'node:child_process';

type Env = Record<string, string | undefined>;

/** How to tell each system tool the tests drive is installed (a command that exits 0 when it is). */
const PROBES: Record<string, string[]> = {
  go: ['go', 'version'],
  cargo: ['cargo', '--version'],
  bats: ['bats', '--version'],
  tmux: ['tmux', '-V'],
  pytest: ['python3', '-c', 'import pytest'],
  python3: ['python3', '--version'],
  make: ['make', '--version'],
  cmake: ['cmake', '--version'],
  perl: ['perl', '-e', '1'],
  bwrap: ['bwrap', '--version'],
};

const known = new Map<string, boolean>();

export function isCi(env: Env = process.env): boolean {
  const v = env.CI?.trim().toLowerCase();
  return Boolean(v) && v !== 'false' && v !== '0';
}

/** Whether the tool answers its probe here (cached per process). */
export function toolInstalled(tool: string, env: Env = process.env): boolean {
  const cached = known.get(tool);
  if (cached !== undefined) return cached;
  const [cmd = tool, ...args] = PROBES[tool] ?? [tool, '--version'];
  const r = spawnSync(cmd, args, { stdio: 'ignore', env: env as NodeJS.ProcessEnv, timeout: 20_000 });
  const ok = r.status === 0;
  known.set(tool, ok);
  return ok;
}

/**
 * A test needs a system tool: true when it is installed (run the test). When it is missing, outside CI the
 * reason is printed and false comes back (`describe.runIf(needTool('go'))` skips); under CI=true, where
 * .ci/run installs every tool, a missing one throws, so the test file fails instead of passing by skipping.
 */
export function needTool(tool: string, env: Env = process.env, log = (m: string) => console.warn(m)): boolean {
  if (toolInstalled(tool, env)) return true;
  if (isCi(env)) throw new Error(`CI=true but ${tool} is not installed (.ci/run installs it): this test needs it`);
  log(`skipped: needs ${tool}, which is not installed here (.ci/run installs it; under CI=true this fails)`);
  return false;
}
