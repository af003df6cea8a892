/**
 * `sedge tests [--test-cmd CMD] [--run] [--json] [--timeout SECONDS]`: what the test gate would run and why;
 * with --run, run it and print the parsed result. Exit 0: all pass (or, without --run, a command was found);
 * 1: tests fail; 2: no test command found or bad arguments.
 */
import { join } from 'node:path';
import { stateDir } from '../config/paths.js';
import { explainTestDetection } from '../repo/test-detect.js';
import { runTests } from '../repo/test-run.js';
import type { TestRunResult } from '../repo/test-types.js';
import { parseCommand, usageError, workDir } from './args.js';
import { TESTS } from './commands.js';

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
  const { detection, why } = await explainTestDetection(cwd, args.testCmd ? { cmd: args.testCmd } : {});
  if (!detection) {
    if (args.json) stdout.write(`${JSON.stringify({ detection: null, reason: why })}\n`);
    else stdout.write(`no test command found: ${why}\n`);
    return 2;
  }
  if (!args.run) {
    if (args.json) stdout.write(`${JSON.stringify({ detection })}\n`);
    else {
      stdout.write(`${detection.command}\n`);
      stdout.write(`  why:    ${detection.reason}\n  where:  ${detection.cwd}\n  runner: ${detection.runner}\n`);
    }
    return 0;
  }
  if (!args.json) stdout.write(`$ ${detection.command}   (${detection.reason})\n`);
  const result = await runTests(detection, {
    outputDir: join(stateDir(io.env ?? process.env), 'test-runs'),
    label: 'sedge-tests',
    ...(io.signal ? { signal: io.signal } : {}),
    ...(args.timeoutMs ? { timeoutMs: args.timeoutMs } : {}),
  });
  if (args.json) stdout.write(`${JSON.stringify({ detection, result })}\n`);
  else stdout.write(formatResult(result));
  return result.ok ? 0 : 1;
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
