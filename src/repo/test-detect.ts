/**
 * Which command runs this project's tests, and why. Precedence: a command resolved by the caller (--test-cmd
 * or the "test" key of the user or repo config, resolved once by cli/compose.ts; this module reads no config
 * file) > a fenced ```test block in AGENTS.md > CI workflow steps > manifests. Never invents a command:
 * when nothing is found the answer is null and `lastDetectionMiss` says what was looked at.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { detectCiPlan } from './test-detect-ci.js';
import { mainLanguage } from './test-detect-lang.js';
import { detectFromManifests } from './test-detect-manifest.js';
import { withSourceTree } from './test-detect-python.js';
import { runnerOfScriptCommand } from './test-detect-node.js';
import { findRepoRoot } from './root.js';
import { inferRunner, onPath, type ToolLookup } from './test-detect-util.js';
import type { TestDetection } from './test-types.js';

export type { TestDetection, TestRunResult, TestRunner, TestSource } from './test-types.js';

export interface DetectOverrides {
  /** the resolved test command (--test-cmd, or "test" in a config file) */
  cmd?: string;
  /** where it came from (default: the flag) */
  source?: 'flag' | 'config';
  /** why, for people (default: "given with --test-cmd") */
  reason?: string;
  /** "is this program installed here?" (default: PATH); tests inject their own */
  has?: ToolLookup;
}

export async function detectTestCommand(cwd: string, overrides: DetectOverrides = {}): Promise<TestDetection | null> {
  return (await explainTestDetection(cwd, overrides)).detection;
}

export interface TestPlan {
  /** the first suite (null: no test command found) */
  detection: TestDetection | null;
  /** every suite the gate runs, the first one included (several when CI has several test jobs) */
  suites: TestDetection[];
  /** why this plan, or why nothing was found */
  why: string;
}

/** Detection plus, when nothing is found, the plain reason why (for `sedge tests` and doctor). */
export async function explainTestDetection(cwd: string, overrides: DetectOverrides = {}): Promise<TestPlan> {
  const dir = resolve(cwd);
  const flag = overrides.cmd?.trim();
  if (flag)
    return found({
      command: flag,
      reason: overrides.reason ?? 'given with --test-cmd',
      runner: await runnerFor(dir, flag),
      cwd: dir,
      source: overrides.source ?? 'flag',
    });

  const has = overrides.has ?? onPath;
  const here = await Promise.all((await detectIn(dir, has)).map(withSourceTree));
  if (here.length) return found(...here);
  // started in a folder of a larger repo with nothing testable of its own: the repo's tests
  const root = findRepoRoot(dir);
  if (root && root !== dir) {
    const fromRoot = await Promise.all((await detectIn(root, has)).map(withSourceTree));
    if (fromRoot.length) return found(...fromRoot.map((d) => ({ ...d, reason: `${d.reason} (repo root)` })));
  }
  return {
    detection: null,
    suites: [],
    why:
      'no --test-cmd, no "test" in the user or repo config, no ```test block in AGENTS.md, no test step in ' +
      '.github/workflows, and no test setup in package.json, pyproject/setup.cfg/tox.ini/pytest.ini, go.mod, ' +
      'Cargo.toml, Makefile, *.bats, Gradle or Maven files',
  };
}

async function detectIn(dir: string, has: ToolLookup): Promise<TestDetection[]> {
  const fixed = await fromAgentsMd(dir);
  if (fixed) return [fixed];
  const lang = await mainLanguage(dir);
  const ci = await detectCiPlan(dir, { lang, has });
  if (ci.length) return ci;
  const manifest = await detectFromManifests(dir, lang, has);
  if (manifest) return [manifest];
  return detectCiPlan(dir, { envManagers: true, lang, has });
}

async function runnerFor(dir: string, command: string) {
  const direct = inferRunner(command);
  return direct === 'unknown' ? runnerOfScriptCommand(dir, command) : direct;
}

function found(...suites: TestDetection[]): TestPlan {
  const [first] = suites as [TestDetection];
  const why = suites.length > 1 ? `${suites.length} suites: ${suites.map((s) => s.reason).join('; ')}` : first.reason;
  return { detection: first, suites, why };
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/** A fenced block with the info string `test` (```test … ```); its lines joined with &&. */
export function parseAgentsTestBlock(text: string): string | null {
  const match = /^[ \t]*(```|~~~)[ \t]*test[ \t]*\r?\n([\s\S]*?)^[ \t]*\1[ \t]*$/m.exec(text);
  if (!match) return null;
  const lines = (match[2] ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.replace(/^\$\s+/, ''));
  return lines.length ? lines.join(' && ') : null;
}

async function fromAgentsMd(dir: string): Promise<TestDetection | null> {
  const text = await readText(join(dir, 'AGENTS.md'));
  const command = text ? parseAgentsTestBlock(text) : null;
  if (!command) return null;
  return {
    command,
    reason: 'the ```test block in AGENTS.md',
    runner: await runnerFor(dir, command),
    cwd: dir,
    source: 'agents-md',
  };
}
