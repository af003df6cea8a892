/**
 * The gate's decision, as a pure function of the baseline run (before the model's first change) and the check
 * run (when the model says it is done). Failures are attributed: NEW (not failing at baseline: the run's doing)
 * or PRE-EXISTING (already failing). Policy 'strict' (default): the gate passes only on a green suite, so a red
 * suite never yields done, but pre-existing failures are reported as such, never blamed on the run. Policy
 * 'new-only': pre-existing failures named by the runner do not block. In both, a suite that passed before and
 * fails now always blocks, and so does anything the gate cannot confirm: a run where no test ran, a runner that
 * cannot start, a failure known only by its exit code.
 */
import type { TestRunResult } from '../repo/test-types.js';

export type GatePolicy = 'strict' | 'new-only';

export interface GateDecision {
  ok: boolean;
  newFailures: string[];
  preexisting: string[];
  /** baseline failures that pass now */
  fixed: string[];
  summary: string;
  /** tests could not run at all, before or after */
  skippedReason?: string;
  /** why each pre-existing failure is counted so */
  why: string;
}

const NOT_FOUND = new Set([126, 127]);
const TIMED_OUT = '[the test run timed out]';

export function compareRuns(
  baseline: TestRunResult | null,
  check: TestRunResult,
  policy: GatePolicy = 'strict',
): GateDecision {
  const counts = countText(check);
  const fixed = baseline ? baseline.failing.filter((id) => !check.failing.includes(id)) : [];

  const why = 'failing in the baseline run, before this run changed anything';
  if (check.aborted)
    return { ok: false, newFailures: [], preexisting: [], fixed: [], summary: 'test run aborted', why: '' };

  if (ranNothing(check)) {
    // "0 passed, 0 failed" confirms nothing; only a runner that says it collected nothing and exited 0 is "no tests"
    const what = check.exitCode === 0 ? 'the runner collected no tests' : `no test ran (${exitText(check)})`;
    const same = baseline && ranNothing(baseline) && baseline.exitCode === check.exitCode;
    const id = `${what}: the suite confirms nothing`;
    return same
      ? { ok: false, newFailures: [], preexisting: [id], fixed: [], summary: `${id} (as before this run)`, why }
      : { ok: false, newFailures: [id], preexisting: [], fixed, summary: id, why: '' };
  }

  if (check.ok) {
    const drop = testCountDrop(baseline, check);
    if (drop) return { ok: false, newFailures: [drop], preexisting: [], fixed, summary: `${counts}; ${drop}`, why: '' };
    const fixedNote = baseline && !baseline.ok ? ' (the failures seen before this run are gone)' : '';
    return { ok: true, newFailures: [], preexisting: [], fixed, summary: `${counts}${fixedNote}`, why: '' };
  }

  if (
    baseline &&
    !baseline.ok &&
    couldNotStart(baseline) &&
    couldNotStart(check) &&
    baseline.exitCode === check.exitCode
  ) {
    const reason = `the test command could not start (exit ${check.exitCode}, before and after this run)`;
    // the tests cannot agree if they cannot run, under either policy: not done (the model is told, and may be
    // able to install the runner; the gate's caller stops when a round changes nothing)
    return { ok: false, newFailures: [], preexisting: [reason], fixed: [], summary: reason, why };
  }

  const ids = check.failing.length ? [...check.failing] : [];
  if (check.timedOut) ids.push(TIMED_OUT);
  let newFailures: string[];
  let preexisting: string[] = [];

  if (!baseline || baseline.aborted) {
    newFailures = ids.length ? ids : [exitText(check)];
  } else if (baseline.ok) {
    newFailures = ids.length ? ids : [`${exitText(check)}; the suite passed before this run`];
  } else if (ids.length && (baseline.failing.length || baseline.timedOut)) {
    const before = new Set([...baseline.failing, ...(baseline.timedOut ? [TIMED_OUT] : [])]);
    newFailures = ids.filter((id) => !before.has(id));
    preexisting = ids.filter((id) => before.has(id));
  } else if (ids.length) {
    // the baseline failed without naming tests (a crash, a build error): nothing to match against
    newFailures = ids;
  } else if (check.failed !== null && baseline.failed !== null) {
    const more = check.failed - baseline.failed;
    newFailures =
      more > 0 ? [`${more} more failing test(s) than before this run (${baseline.failed} -> ${check.failed})`] : [];
    preexisting = more > 0 ? [] : [`${check.failed} failing test(s), as before this run`];
  } else if (check.exitCode !== baseline.exitCode) {
    newFailures = [`${exitText(check)}; it was ${baseline.exitCode ?? 'killed'} before this run`];
  } else {
    newFailures = [];
    preexisting = [`${exitText(check)}, as before this run`];
  }

  // new-only lets through failures the runner named as failing before; an exit status alone confirms nothing
  // (the runner's own counts, the same as before, also confirm: it says how many fail, and no more do)
  const counted = check.parsedBy === 'summary' && check.failed !== null && baseline?.failed != null;
  const confirmed = counted || preexisting.every((id) => check.failing.includes(id) || id === TIMED_OUT);
  const ok = policy === 'new-only' && newFailures.length === 0 && confirmed;
  const attribution =
    newFailures.length && preexisting.length
      ? ` (${newFailures.length} new, ${preexisting.length} pre-existing)`
      : newFailures.length
        ? ' (new)'
        : ' (all pre-existing: failing before this run)';
  const exitOnly = preexisting.length && !confirmed ? '; known only by the exit status, so not confirmed' : '';
  return { ok, newFailures, preexisting, fixed, summary: `${counts}${attribution}${exitOnly}`, why };
}

/** The runner is missing here: exit 126/127, or Python without the pytest module; no summary either way. */
function couldNotStart(run: TestRunResult): boolean {
  if (run.ok || run.timedOut || run.parsedBy !== 'exit-code' || run.exitCode === null) return false;
  return NOT_FOUND.has(run.exitCode) || /No module named '?pytest'?\s*$|: command not found\s*$/m.test(run.tail);
}

/** The runner reported a summary with nothing in it (e.g. pytest exit 5: no tests collected). */
export function ranNothing(run: TestRunResult): boolean {
  return (
    run.parsedBy === 'summary' &&
    !run.timedOut &&
    (run.passed ?? 0) === 0 &&
    (run.failed ?? 0) === 0 &&
    run.failing.length === 0
  );
}

function exitText(run: TestRunResult): string {
  if (run.timedOut) return `timed out after ${Math.round(run.durationMs / 1000)}s`;
  return run.exitCode === null ? 'killed by a signal' : `exit code ${run.exitCode}`;
}

/** "12 passed, 1 failed" or, without counts, the exit status. */
export function countText(run: TestRunResult): string {
  if (run.passed === null && run.failed === null) return run.ok ? 'passed (exit code 0)' : `failed (${exitText(run)})`;
  const parts = [`${run.passed ?? '?'} passed`, `${run.failed ?? 0} failed`];
  if (run.timedOut) parts.push('timed out');
  return parts.join(', ');
}

/** Fewer tests ran than at baseline: tests deleted or skipped. Only when both runs were counted. */
function testCountDrop(baseline: TestRunResult | null, check: TestRunResult): string | null {
  if (!baseline || baseline.passed === null || check.passed === null) return null;
  const before = baseline.passed + (baseline.failed ?? 0);
  const now = check.passed + (check.failed ?? 0);
  if (now >= before) return null;
  return `${before - now} fewer test(s) ran than before this run (${before} -> ${now}): tests were removed or skipped`;
}
