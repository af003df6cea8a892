/**
 * The test gate: a Verifier for the loop. `start` runs a baseline in the background (which tests fail before
 * the model changes anything); `beforeFirstChange` makes sure it finished; `check` runs the tests again and
 * decides with compareRuns. No command detected: the check passes with skipped_reason, so the run is not
 * blamed and its end says tests were not run.
 */
import { readPrompt } from '../config/prompts.js';
import { type DetectOverrides, detectTestCommand } from '../repo/test-detect.js';
import { runTests } from '../repo/test-run.js';
import type { TestDetection, TestRunResult } from '../repo/test-types.js';
import type { VerifyOutcome } from './events.js';
import type { Verifier } from './types.js';
import { compareRuns, countText, type GateDecision, type GatePolicy } from './verify-compare.js';

export interface VerifierOptions {
  cwd: string;
  detection: TestDetection | null;
  timeoutMs?: number;
  /** where each run's full output is saved (0700 dir, 0600 files) */
  outputDir: string;
  /** 'strict' (default): done needs a green suite; 'new-only': pre-existing failures do not block */
  policy?: GatePolicy;
  /** a test seam: how the tests are run */
  run?: typeof runTests;
}

export interface TestGate extends Verifier {
  /** the command the gate runs (null: none found), for verify_start events */
  readonly command: string | null;
  /** the baseline run, once it finished (null: not run, aborted or crashed) */
  baseline(): Promise<TestRunResult | null>;
}

export function createVerifier(opts: VerifierOptions): TestGate {
  const run = opts.run ?? runTests;
  const detection = opts.detection;
  let baselinePromise: Promise<TestRunResult | null> | null = null;
  let round = 0;

  const startBaseline = (signal: AbortSignal): Promise<TestRunResult | null> => {
    if (!detection) return Promise.resolve(null);
    baselinePromise ??= run(detection, { signal, outputDir: opts.outputDir, label: 'baseline', ...timeout() })
      .then((r) => (r.aborted ? null : r))
      .catch(() => null);
    return baselinePromise;
  };
  const timeout = () => (opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {});

  return {
    command: detection?.command ?? null,
    // each run starts afresh, so one gate can serve the tasks of an interactive session
    start(signal) {
      baselinePromise = null;
      round = 0;
      void startBaseline(signal);
    },
    async beforeFirstChange(signal) {
      await startBaseline(signal);
    },
    baseline() {
      return baselinePromise ?? Promise.resolve(null);
    },
    async check(signal) {
      round++;
      if (!detection) {
        const outcome: VerifyOutcome = {
          command: null,
          ok: true,
          passed: null,
          failed: null,
          new_failures: [],
          preexisting: [],
          duration_ms: 0,
          output_file: null,
          summary: 'tests not run: no test command found',
          skipped_reason: 'no test command found',
        };
        return { outcome, feedback: '' };
      }
      const baseline = await (baselinePromise ?? Promise.resolve(null));
      const result = await run(detection, { signal, outputDir: opts.outputDir, label: `check-${round}`, ...timeout() });
      const decision = compareRuns(baseline, result, opts.policy ?? 'strict');
      const outcome: VerifyOutcome = {
        command: detection.command,
        ok: decision.ok,
        passed: result.passed,
        failed: result.failed,
        new_failures: decision.newFailures,
        preexisting: decision.preexisting,
        duration_ms: result.durationMs,
        output_file: result.outputFile,
        summary: baseline ? decision.summary : `${decision.summary} (no baseline: failures could not be told apart)`,
        ...(decision.skippedReason ? { skipped_reason: decision.skippedReason } : {}),
      };
      return { outcome, feedback: decision.ok ? '' : formatFeedback(result, decision, baseline) };
    },
  };
}

/**
 * Detection plus verifier in one call (what the composition root needs): `cmd` is the test command the
 * settings resolved (--test-cmd or a config file), with its source; unset, the repo is searched.
 */
export async function createTestGate(opts: Omit<VerifierOptions, 'detection'> & DetectOverrides): Promise<TestGate> {
  const { cmd, source, reason } = opts;
  const detection = await detectTestCommand(opts.cwd, { cmd, source, reason });
  return createVerifier({ ...opts, detection });
}

const MAX_LIST = 15;

function lastLines(text: string, n: number): string {
  return text.split('\n').slice(-n).join('\n');
}

function list(ids: string[]): string {
  const shown = ids.slice(0, MAX_LIST).map((id) => `- ${id}`);
  if (ids.length > MAX_LIST) shown.push(`- … and ${ids.length - MAX_LIST} more`);
  return shown.join('\n');
}

/** What the model is told when the gate does not pass: instructions, then the condensed failure summary. */
export function formatFeedback(result: TestRunResult, decision: GateDecision, baseline: TestRunResult | null): string {
  const parts: string[] = [readPrompt('verify.md'), ''];
  const exit = result.timedOut ? 'timed out' : `exit ${result.exitCode ?? 'killed'}`;
  parts.push(`Command: \`${result.command}\` (${exit}, ${(result.durationMs / 1000).toFixed(1)}s)`);
  parts.push(`Result: ${decision.summary}`);
  if (!baseline) parts.push('(No baseline run finished before your changes, so every failure is listed as new.)');
  if (decision.newFailures.length)
    parts.push('', 'NEW failures (passed before your changes):', list(decision.newFailures));
  if (decision.preexisting.length)
    parts.push('', 'PRE-EXISTING failures (already failing before your changes):', list(decision.preexisting));
  // the first NEW failure is the one to look at; else the first failure in the output
  const firstNew = decision.newFailures.find((id) => result.failureDetails[id]);
  const detail = firstNew ? result.failureDetails[firstNew] : result.firstError;
  if (detail) parts.push('', firstNew ? `First new failure (${firstNew}):` : 'First failure:', '```', detail, '```');
  const tail = detail ? lastLines(result.tail, 15) : result.tail;
  if (tail && !(detail ?? '').includes(tail)) parts.push('', 'End of the output:', '```', tail, '```');
  if (result.outputFile) parts.push('', `Full output: ${result.outputFile}`);
  if (decision.ok === false && !decision.newFailures.length && !decision.preexisting.length)
    parts.push('', `Counts: ${countText(result)}`);
  return parts.join('\n');
}
