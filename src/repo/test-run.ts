/**
 * Running a detected test command once: bash -c through exec/spawn (own process group, killed on timeout or
 * abort; no stdin, no TTY), in the environment the project's CI gives its tests (CI=true, the suite's own env,
 * the user's colour settings untouched), the whole output saved to a 0600 file, then parsed. Tracked files
 * the run changed are put back afterwards (reported in `treeChanges`).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../exec/spawn.js';
import { parseTestOutput } from './test-parse.js';
import { markTree, restoreTree } from './test-tree.js';
import type { TestDetection, TestRunResult } from './test-types.js';
import { DEFAULTS } from '../config/schema.js';

export const DEFAULT_TEST_TIMEOUT_MS = DEFAULTS.testTimeoutS * 1000;

export interface RunTestsOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** where the full output is saved (created 0700); none: not saved */
  outputDir?: string;
  /** a label for the output file name ("baseline", "check-1") */
  label?: string;
  /** put back tracked files the run changed (default true) */
  keepTree?: boolean;
  /** argv in front of `bash -c` (the sandbox the shell runs in) */
  launcher?: string[];
  /** the launcher confines the run to a PID namespace that ends with it (see exec/spawn.ts) */
  contained?: boolean;
  /** applied to the saved log and to what the result carries */
  redact?: (text: string) => string;
  /** added to the test environment (after testEnv) */
  env?: Record<string, string | undefined>;
}

/**
 * Environment for test runs: what CI gives them (CI=true), a short failure list from pytest, no bytecode files
 * in the workspace. Sedge's own display settings for commands (NO_COLOR=1, TERM=dumb) are not imposed: a suite
 * that asserts on colour output must see the user's settings, as it would in CI.
 */
export function testEnv(suiteEnv: Record<string, string> = {}): Record<string, string | undefined> {
  const addopts = process.env.PYTEST_ADDOPTS?.trim();
  return {
    CI: 'true',
    NO_COLOR: process.env.NO_COLOR,
    FORCE_COLOR: process.env.FORCE_COLOR,
    TERM: process.env.TERM,
    PYTEST_ADDOPTS: addopts ? `-rfE ${addopts}` : '-rfE',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    // a sedge run inside a test runner must not look like that runner's worker to the project's runner
    VITEST: undefined,
    VITEST_POOL_ID: undefined,
    VITEST_WORKER_ID: undefined,
    VITEST_MODE: undefined,
    JEST_WORKER_ID: undefined,
    NODE_TEST_CONTEXT: undefined,
    ...suiteEnv,
  };
}

export async function runTests(detection: TestDetection, opts: RunTestsOptions = {}): Promise<TestRunResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS;
  const mark = opts.keepTree === false ? null : await markTree(detection.cwd);
  const res = await runCommand(detection.command, {
    cwd: detection.cwd,
    timeoutMs,
    env: { ...testEnv(detection.env), ...opts.env },
    ...(opts.signal ? { signal: opts.signal } : {}),
    maxOutputBytes: 8_000_000,
    ...(opts.launcher ? { launcher: opts.launcher, contained: opts.contained === true } : {}),
  });
  const treeChanges = mark ? await restoreTree(mark) : null;
  const output = opts.redact ? opts.redact(res.output) : res.output;
  const outputFile = opts.outputDir
    ? await saveOutput(opts.outputDir, opts.label ?? 'tests', detection, res.exitCode, output)
    : null;
  const parsed = parseTestOutput(output, detection.runner);
  const recognised = parsed.recognisedBy.length > 0;
  const ok = res.exitCode === 0 && !res.timedOut && !res.interrupted && (parsed.failed ?? 0) === 0;
  return {
    command: detection.command,
    cwd: detection.cwd,
    runner: detection.runner,
    exitCode: res.exitCode,
    timedOut: res.timedOut,
    aborted: res.interrupted,
    durationMs: Math.round(res.durationMs),
    outputFile,
    tail: tailOf(output, 60, 4000),
    passed: parsed.passed,
    failed: parsed.failed,
    failing: parsed.failing,
    firstError: parsed.firstError,
    failureDetails: parsed.details,
    parsedBy: recognised ? 'summary' : 'exit-code',
    ok,
    ...(treeChanges && (treeChanges.restored.length || treeChanges.created.length) ? { treeChanges } : {}),
  };
}

async function saveOutput(
  dir: string,
  label: string,
  d: TestDetection,
  exitCode: number | null,
  output: string,
): Promise<string | null> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = join(dir, `${label.replace(/[^\w.-]/g, '_')}-${stamp}-${randomBytes(3).toString('hex')}.log`);
    const header = `$ ${d.command}\n# cwd: ${d.cwd}\n# exit: ${exitCode === null ? 'killed' : exitCode}\n\n`;
    await writeFile(file, header + output, { mode: 0o600 });
    return file;
  } catch {
    return null;
  }
}

/** The last `maxLines` lines, at most `maxChars` characters. */
export function tailOf(text: string, maxLines: number, maxChars: number): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  let tail = lines.slice(-maxLines).join('\n');
  if (tail.length > maxChars) tail = `…${tail.slice(tail.length - maxChars)}`;
  return tail;
}
