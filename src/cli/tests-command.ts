/**
 * `sedge tests [--test-cmd CMD] [--run] [--json] [--timeout SECONDS]`: what the test gate would run and why;
 * with --run, run it and print the parsed result. Exit 0: all pass (or, without --run, a command was found);
 * 1: tests fail; 2: no test command found or bad arguments.
 */
import { join } from 'node:path';
import { ConfigError, loadSettings } from '../config/load.js';
import { stateDir } from '../config/paths.js';
import { findRepoRoot } from '../repo/root.js';
import { explainTestDetection } from '../repo/test-detect.js';
import { runTests } from '../repo/test-run.js';
import { splitCommands } from '../repo/test-detect-shell.js';
import type { TestDetection, TestRunResult } from '../repo/test-types.js';
import { parseCommand, usageError, workDir } from './args.js';
import { TESTS } from './commands.js';
import { resolvedTestCommand } from './resolved-test.js';

export interface TestsCommandIo {
  cwd: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  signal?: AbortSignal;
  env?: Record<string, string | undefined>;
}

export async function runTestsCommand(argv: string[], io: TestsCommandIo): Promise<number> {
  const parsed = parseCommand(TESTS, argv[0] === 'tests' ? argv.slice(1) : argv, io);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length) return usageError(TESTS, io, `unexpected argument: ${positionals[0]}`);
  const timeoutS = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeoutS !== undefined && !(Number.isFinite(timeoutS) && timeoutS > 0))
    return usageError(TESTS, io, '--timeout needs a number of seconds');
  let cwd: string;
  try {
    cwd = workDir(io.cwd, values.cd);
  } catch (err) {
    return usageError(TESTS, io, (err as Error).message);
  }
  const args = {
    run: Boolean(values.run),
    json: Boolean(values.json),
    testCmd: values['test-cmd'],
    timeoutMs: timeoutS === undefined ? undefined : timeoutS * 1000,
  };
  // `sedge tests | head -1`: a reader that goes away early is not a crash (EPIPE); stop writing instead
  let stdoutGone = false;
  io.stdout.on('error', () => {
    stdoutGone = true;
  });
  const stdout = { write: (s: string) => void (stdoutGone || io.stdout.write(s)) };
  // the same resolution as a run: --test-cmd > repo config > user config > detection
  let settings;
  try {
    const flags = args.testCmd ? { testCmd: args.testCmd } : {};
    settings = loadSettings({ repoRoot: findRepoRoot(cwd), env: io.env ?? process.env, flags });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(`sedge tests: ${err.message}\n`);
    return 2;
  }
  const { detection, suites, why } = await explainTestDetection(cwd, resolvedTestCommand(settings));
  if (!detection) {
    if (args.json) stdout.write(`${JSON.stringify({ detection: null, reason: why })}\n`);
    else stdout.write(`no test command found: ${why}\n`);
    return 2;
  }
  if (!args.run) {
    if (args.json) stdout.write(`${JSON.stringify({ detection, suites })}\n`);
    else stdout.write(suites.map((d, i) => describePlan(d, suites.length > 1 ? i + 1 : 0)).join('\n'));
    return 0;
  }
  let ok = true;
  const results: { detection: TestDetection; result: TestRunResult }[] = [];
  for (const [i, d] of suites.entries()) {
    if (!args.json)
      stdout.write(`${suites.length > 1 ? `[${i + 1}/${suites.length}] ` : ''}$ ${d.command}   (${d.reason})\n`);
    const result = await runTests(d, {
      outputDir: join(stateDir(io.env ?? process.env), 'test-runs'),
      label: 'sedge-tests',
      ...(io.signal ? { signal: io.signal } : {}),
      ...(args.timeoutMs ? { timeoutMs: args.timeoutMs } : {}),
    });
    results.push({ detection: d, result });
    if (!args.json) stdout.write(formatResult(result));
    ok &&= result.ok;
  }
  if (args.json) {
    const [first] = results;
    // one suite: the same shape as before; several: every suite's result too
    stdout.write(
      `${JSON.stringify({ detection, result: first?.result, ...(results.length > 1 ? { suites: results } : {}) })}\n`,
    );
  }
  return ok ? 0 : 1;
}

/** One suite of the plan, step by step: what runs, where, with which env, and why. */
function describePlan(d: TestDetection, index: number): string {
  const lines = [index ? `suite ${index}: ${d.command}` : d.command];
  const steps = splitCommands(d.command);
  if (steps.length > 1) {
    lines.push('  steps:');
    for (const [i, step] of steps.entries()) lines.push(`    ${i + 1}. ${step}`);
  }
  lines.push(`  why:    ${d.reason}`, `  where:  ${d.cwd}`, `  runner: ${d.runner}`);
  if (d.env && Object.keys(d.env).length)
    lines.push(
      `  env:    ${Object.entries(d.env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
  return `${lines.join('\n')}\n`;
}

export function formatResult(r: TestRunResult): string {
  const lines: string[] = [];
  const status = r.timedOut ? 'timed out' : r.aborted ? 'aborted' : `exit ${r.exitCode ?? 'killed'}`;
  const counts =
    r.passed === null && r.failed === null
      ? 'no test counts found in the output'
      : `${r.passed ?? '?'} passed, ${r.failed ?? 0} failed`;
  lines.push(
    `${r.ok ? 'PASS' : 'FAIL'}: ${counts} (${status}, ${(r.durationMs / 1000).toFixed(1)}s, read from ${r.parsedBy === 'summary' ? 'the runner summary' : 'the exit code'})`,
  );
  if (r.failing.length) {
    lines.push('failing:');
    for (const id of r.failing.slice(0, 30)) lines.push(`  - ${id}`);
    if (r.failing.length > 30) lines.push(`  - … and ${r.failing.length - 30} more`);
  }
  if (!r.ok && r.firstError) lines.push('first failure:', ...r.firstError.split('\n').map((l) => `  ${l}`));
  else if (!r.ok && r.tail)
    lines.push(
      'end of output:',
      ...r.tail
        .split('\n')
        .slice(-20)
        .map((l) => `  ${l}`),
    );
  if (r.outputFile) lines.push(`full output: ${r.outputFile}`);
  return `${lines.join('\n')}\n`;
}
