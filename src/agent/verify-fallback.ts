/**
 * Environment vs change: when the baseline shows a suite cannot run here for reasons outside the code (a lint
 * or type-check step in the test script fails before any test runs), the narrower command the project's own
 * config implies — the script's test runner alone — is tried, and used when it runs tests. Otherwise the
 * gate says plainly that the suite cannot run here.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { classifySegment, splitCommands, stripWrappers } from '../repo/test-detect-shell.js';
import { onPath } from '../repo/test-detect-util.js';
import type { TestDetection, TestRunResult } from '../repo/test-types.js';

/** No test ran: the command stopped before its runner said anything countable. */
export function stoppedBeforeTests(run: TestRunResult): boolean {
  return !run.ok && !run.timedOut && !run.aborted && (run.passed ?? 0) + (run.failed ?? 0) === 0;
}

/** The package script behind `npm test` / `yarn run x`, without its lint and type-check steps. */
export async function withoutLintStep(
  d: TestDetection,
): Promise<{ detection: TestDetection; dropped: string[] } | null> {
  const m = /^(?:npm|yarn|pnpm|bun)\s+(?:run(?:-script)?\s+)?([\w:.-]+)\s*$/.exec(d.command.trim());
  if (!m) return null;
  const name = m[1] === 't' ? 'test' : (m[1] as string);
  let scripts: Record<string, unknown>;
  try {
    scripts =
      (JSON.parse(await readFile(join(d.cwd, 'package.json'), 'utf8')) as { scripts?: Record<string, unknown> })
        .scripts ?? {};
  } catch {
    return null;
  }
  const body = scripts[name];
  if (typeof body !== 'string') return null;
  const segments = splitCommands(body);
  const lint = segments.filter((s) => classifySegment(s) === 'lint' || /^(npm|pnpm|yarn|bun)\s+(run\s+)?lint/.test(s));
  const rest = segments.filter((s) => !lint.includes(s));
  if (!lint.length || !rest.some((s) => classifySegment(s) === 'test')) return null;
  // package scripts find the project's CLIs in node_modules/.bin; a bare shell does not
  const parts: string[] = [];
  for (const s of rest) {
    const exe = stripWrappers(s).split(/\s+/)[0] ?? '';
    const local = exe && !exe.includes('/') && (await onPath(join('node_modules', '.bin', exe), d.cwd));
    parts.push(local && !(await onPath(exe)) ? s.replace(exe, `npx --no ${exe}`) : s);
  }
  return {
    detection: {
      ...d,
      command: parts.join(' && '),
      reason: `${d.reason}; the test runner alone, without the step(s) ${lint.join(', ')} that failed before any test ran`,
    },
    dropped: lint,
  };
}

/** A plain sentence for a suite that cannot run here, with what would fix it when that can be told. */
export function cannotRunNote(name: string, run: TestRunResult): string {
  const text = `${run.firstError ?? ''}\n${run.tail}`;
  const missing = /No module named '?([\w.]+)'?/.exec(text)?.[1];
  const notFound = /(?:^|\s)([\w.-]+): (?:command )?not found/m.exec(text)?.[1];
  const fix = missing
    ? `install the Python package that provides ${missing} (or the project itself: pip install -e .)`
    : notFound
      ? `install ${notFound}`
      : 'see the end of its output';
  const status = run.exitCode === null ? 'killed by a signal' : `exit ${run.exitCode}`;
  return `${name} cannot run here: it stopped before any test ran (${status}); to fix: ${fix}`;
}
