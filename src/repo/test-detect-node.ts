/** JavaScript/TypeScript projects: package.json scripts (with the package manager its lockfile names), workspaces, direct runners. */
import { join } from 'node:path';
import { isLintOnly } from './test-detect-shell.js';
import { exists, inferRunner, listDir, onPath, readText, type ToolLookup } from './test-detect-util.js';
import type { TestDetection, TestRunner } from './test-types.js';

type Pm = 'npm' | 'yarn' | 'pnpm' | 'bun';
interface Pkg {
  scripts?: Record<string, unknown>;
  workspaces?: unknown;
  packageManager?: unknown;
  dependencies?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
}

const PLACEHOLDER = /no test specified/;
const ALT_SCRIPTS = ['test:unit', 'test:ci', 'test:node', 'test:all', 'tests', 'unit', 'test:run'];
const SKIP_ALT = /watch|e2e|browser|lint|type|debug|update|cov|bench|perf|dev|integration|snapshot/;

export async function readPackageJson(dir: string): Promise<Pkg | null> {
  const text = await readText(join(dir, 'package.json'));
  if (!text) return null;
  try {
    const data = JSON.parse(text) as unknown;
    return data && typeof data === 'object' ? (data as Pkg) : null;
  } catch {
    return null;
  }
}

async function packageManager(root: string, pkg: Pkg, has: ToolLookup): Promise<{ pm: Pm; why: string }> {
  let pm: Pm | null = null;
  let why = '';
  const field =
    typeof pkg.packageManager === 'string' ? /^(npm|yarn|pnpm|bun)@/.exec(pkg.packageManager)?.[1] : undefined;
  if (field) [pm, why] = [field as Pm, `packageManager ${field}`];
  else if (await exists(join(root, 'pnpm-lock.yaml'))) [pm, why] = ['pnpm', 'pnpm-lock.yaml'];
  else if (await exists(join(root, 'yarn.lock'))) [pm, why] = ['yarn', 'yarn.lock'];
  else if ((await exists(join(root, 'bun.lockb'))) || (await exists(join(root, 'bun.lock'))))
    [pm, why] = ['bun', 'bun.lock'];
  if (!pm || pm === 'npm') return { pm: 'npm', why: why || 'npm' };
  if (await has(pm)) return { pm, why };
  return { pm: 'npm', why: `${why}, but ${pm} is not installed here: using npm` };
}

function scripts(pkg: Pkg): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(pkg.scripts ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

/** The runner a script drives, following `npm run x` references a couple of levels deep. */
export function scriptRunner(all: Record<string, string>, name: string, depth = 0): TestRunner {
  const body = all[name];
  if (body === undefined || depth > 3) return 'unknown';
  const direct = inferRunner(body);
  if (direct !== 'unknown' && direct !== 'make') return direct;
  for (const m of body.matchAll(/\b(?:npm|yarn|pnpm|bun)\s+(?:run\s+)?([\w:.-]+)/g)) {
    const ref = m[1] ?? '';
    if (ref !== name && all[ref] !== undefined) {
      const r = scriptRunner(all, ref, depth + 1);
      if (r !== 'unknown') return r;
    }
  }
  return direct;
}

const runCmd = (pm: Pm, script: string) => (script === 'test' && pm !== 'bun' ? `${pm} test` : `${pm} run ${script}`);

export async function detectNode(root: string, has: ToolLookup = onPath): Promise<TestDetection | null> {
  const pkg = await readPackageJson(root);
  if (!pkg) return null;
  const all = scripts(pkg);
  const { pm, why } = await packageManager(root, pkg, has);
  const make = (command: string, reason: string, runner: TestRunner): TestDetection => ({
    command,
    reason,
    runner,
    cwd: root,
    source: 'manifest',
  });

  const test = all.test;
  const testUsable = test !== undefined && !PLACEHOLDER.test(test) && !isLintOnly(test);
  if (testUsable) return make(runCmd(pm, 'test'), `package.json "test" script (${why})`, scriptRunner(all, 'test'));

  const alt =
    ALT_SCRIPTS.find((s) => all[s] !== undefined && !isLintOnly(all[s] ?? '')) ??
    Object.keys(all).find((s) => /^test[:_-]/.test(s) && !SKIP_ALT.test(s) && !isLintOnly(all[s] ?? ''));
  if (alt) {
    const note =
      test === undefined
        ? 'no "test" script'
        : PLACEHOLDER.test(test)
          ? '"test" is the npm placeholder'
          : '"test" only lints';
    return make(runCmd(pm, alt), `package.json "${alt}" script (${note}; ${why})`, scriptRunner(all, alt));
  }

  const ws = await workspaceCommand(root, pkg, pm);
  if (ws) return make(ws.command, ws.reason, ws.runner);

  const direct = await directRunner(root, pkg);
  if (direct) return make(direct.command, direct.reason, direct.runner);
  return null;
}

async function workspaceCommand(
  root: string,
  pkg: Pkg,
  pm: Pm,
): Promise<{ command: string; reason: string; runner: TestRunner } | null> {
  const ws = pkg.workspaces;
  const patterns: string[] = Array.isArray(ws)
    ? ws.filter((x): x is string => typeof x === 'string')
    : ws && typeof ws === 'object' && Array.isArray((ws as { packages?: unknown }).packages)
      ? (ws as { packages: unknown[] }).packages.filter((x): x is string => typeof x === 'string')
      : [];
  const pnpmWs = await readText(join(root, 'pnpm-workspace.yaml'));
  if (pnpmWs) for (const m of pnpmWs.matchAll(/^\s*-\s*['"]?([^'"\s#]+)/gm)) patterns.push(m[1] ?? '');
  if (!patterns.length) return null;
  // at least one member must have a real test script
  let runner: TestRunner | null = null;
  for (const pattern of patterns) {
    const base = pattern.replace(/\/\*+$/, '');
    const dirs = pattern.endsWith('*')
      ? (await listDir(join(root, base))).map((d) => join(root, base, d))
      : [join(root, base)];
    for (const dir of dirs) {
      const member = await readPackageJson(dir);
      const t = member ? scripts(member).test : undefined;
      if (t && !PLACEHOLDER.test(t) && !isLintOnly(t)) {
        runner = runner ?? scriptRunner(scripts(member as Pkg), 'test');
        break;
      }
    }
  }
  if (!runner) return null;
  const berry = await exists(join(root, '.yarnrc.yml'));
  const command =
    pm === 'pnpm'
      ? 'pnpm -r --if-present run test'
      : pm === 'yarn' && berry
        ? 'yarn workspaces foreach -A run test'
        : 'npm test --workspaces --if-present';
  return { command, reason: `workspaces: the members' "test" scripts (no root "test" script)`, runner };
}

const DIRECT: [string, string, TestRunner][] = [
  ['vitest', 'npx --no vitest run', 'vitest'],
  ['jest', 'npx --no jest', 'jest'],
  ['mocha', 'npx --no mocha', 'mocha'],
  ['ava', 'npx --no ava', 'ava'],
  ['tap', 'npx --no tap', 'tap'],
];

async function directRunner(
  root: string,
  pkg: Pkg,
): Promise<{ command: string; reason: string; runner: TestRunner } | null> {
  const deps = { ...(pkg.dependencies ?? {}), ...(pkg.devDependencies ?? {}) };
  for (const [name, command, runner] of DIRECT) {
    if (deps[name] !== undefined)
      return { command, reason: `${name} is a dependency in package.json (no test script)`, runner };
  }
  const testDir = (await exists(join(root, 'tests'))) ? 'tests' : (await exists(join(root, 'test'))) ? 'test' : null;
  if (deps.uvu !== undefined && testDir)
    return {
      command: `npx --no uvu ${testDir}`,
      reason: 'uvu is a dependency in package.json (no test script)',
      runner: 'uvu',
    };
  if (testDir) {
    for (const f of await listDir(join(root, testDir))) {
      if (!/\.(m|c)?[jt]s$/.test(f)) continue;
      const text = await readText(join(root, testDir, f));
      if (text && /from ['"]node:test['"]|require\(['"]node:test['"]\)/.test(text)) {
        return {
          command: 'node --test',
          reason: `${testDir}/${f} uses node:test (no test script)`,
          runner: 'node-test',
        };
      }
    }
  }
  return null;
}

/** The runner behind a command like `npm run test:ci` / `yarn test`, from the package.json in `cwd`. */
export async function runnerOfScriptCommand(cwd: string, command: string): Promise<TestRunner> {
  const m = /(?:^|&&\s*)(?:npm|yarn|pnpm|bun)\s+(?:run(?:-script)?\s+)?([\w:.-]+)/.exec(command);
  if (!m) return 'unknown';
  const pkg = await readPackageJson(cwd);
  if (!pkg) return 'unknown';
  const name = m[1] === 't' ? 'test' : (m[1] as string);
  return scriptRunner(scripts(pkg), name);
}
