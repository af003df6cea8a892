/**
 * The test gate: a Verifier for the loop. `start` runs a baseline of every suite in the background (which tests
 * fail before the model changes anything); `beforeFirstChange` makes sure it finished; `check` runs the suites
 * again and decides with compareRuns, suite by suite. The gate runs only when the run changed files (or the
 * task asked for tests); it tells the loop to stop when another round cannot help. No command detected: the
 * check passes with skipped_reason, so the run is not blamed and its end says tests were not run.
 */
import { isAbsolute, join, relative } from 'node:path';
import { type DetectOverrides, explainTestDetection, type TestPlan } from '../repo/test-detect.js';
import { runTests } from '../repo/test-run.js';
import { treeFingerprint } from '../repo/test-tree.js';
import type { TestDetection, TestRunResult } from '../repo/test-types.js';
import type { SuiteOutcome, TestCounts, VerifyOutcome } from './events.js';
import type { Verifier } from './types.js';
import { compareRuns, type GateDecision, type GatePolicy, ranNothing } from './verify-compare.js';
import { cannotRunNote, stoppedBeforeTests, withoutLintStep } from './verify-fallback.js';
import { formatFeedback, type SuiteReport } from './verify-feedback.js';

export { formatFeedback } from './verify-feedback.js';

export interface VerifierOptions {
  cwd: string;
  detection: TestDetection | null;
  /** every suite to run (the first is `detection`); default: [detection] */
  suites?: TestDetection[];
  timeoutMs?: number;
  /** where each run's full output is saved (0700 dir, 0600 files) */
  outputDir: string;
  /** 'strict' (default): done needs a green suite; 'new-only': pre-existing failures do not block */
  policy?: GatePolicy;
  /** interactive session: failures that predate the run are reported once, never looped on */
  interactive?: boolean;
  /** a test seam: how the tests are run */
  run?: typeof runTests;
  /** baselines shared with other runs (a batch's tasks): a tree already measured is not run again */
  baselines?: SharedBaselines;
}

/**
 * Baselines of trees other runs measured, by what the outcome depends on: the tree's content (tree id and
 * untracked files), the suite (command, directory relative to the root, env) and `scope` (the sandbox and the
 * environment the caller gives the tests). In a batch many tasks start from the same commit; each would run
 * the same baseline. A run that finds the key waits for the run that measures it; an aborted or crashed
 * baseline is not shared (the next run measures its own).
 */
export interface SharedBaselines {
  scope: string;
  entries: Map<string, Promise<SharedSuite | null>>;
}

interface SharedSuite {
  /** the workspace the suite was measured in: paths under it are moved to the reader's */
  root: string;
  suite: Suite;
}

export interface TestGate extends Verifier {
  /** the command the gate runs (null: none found), for verify_start events; several suites are joined with ; */
  readonly command: string | null;
  /** the baseline run of the first suite, once it finished (null: not run, aborted or crashed) */
  baseline(): Promise<TestRunResult | null>;
}

interface Suite {
  name: string;
  detection: TestDetection;
  baseline: TestRunResult | null;
  note?: string;
}

/** A suite measured in another workspace, its paths (directories, the saved log stays where it is) moved to `to`. */
function moved(suite: Suite, from: string, to: string): Suite {
  const move = (p: string) => {
    const rel = relative(from, p);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel)) ? join(to, rel) : p;
  };
  return {
    ...suite,
    detection: { ...suite.detection, cwd: move(suite.detection.cwd) },
    baseline: suite.baseline ? { ...suite.baseline, cwd: move(suite.baseline.cwd) } : null,
  };
}

/** Tasks that ask for the tests themselves: the gate runs even when no file changed. */
const ASKS_FOR_TESTS = /\b(run|rerun|execute|check)\b[^.?!\n]{0,40}\btests?\b|\btests?\s+(pass|fail|green|red)/i;

export function createVerifier(opts: VerifierOptions): TestGate {
  const run = opts.run ?? runTests;
  const policy = opts.policy ?? 'strict';
  const plan = opts.suites?.length ? opts.suites : opts.detection ? [opts.detection] : [];
  const named = (d: TestDetection, i: number) => d.name ?? (plan.length > 1 ? `suite ${i + 1}` : 'tests');
  let suites: Suite[] = [];
  let ready: Promise<void> | null = null;
  /** the tree right after the baseline (the test run's own leftovers included): what "unchanged" means */
  let startPrint: string | null = null;
  let asked = false;
  let round = 0;
  let lastFailing: string | null = null;
  const timeout = () => (opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {});

  const runOnce = (d: TestDetection, signal: AbortSignal, label: string) =>
    run(d, { signal, outputDir: opts.outputDir, label, ...timeout() })
      .then((r) => (r.aborted ? null : r))
      .catch(() => null);

  /** The baseline of each suite; a suite stopped by its lint step before any test is retried without it. */
  const baselineOf = async (d: TestDetection, i: number, signal: AbortSignal): Promise<Suite> => {
    const name = named(d, i);
    const first = await runOnce(d, signal, `baseline-${i + 1}`);
    if (!first || !stoppedBeforeTests(first)) return { name, detection: d, baseline: first };
    const narrower = await withoutLintStep(d);
    if (narrower) {
      const second = await runOnce(narrower.detection, signal, `baseline-${i + 1}-narrow`);
      if (second && (second.passed ?? 0) + (second.failed ?? 0) > 0) {
        const note = `${name}: ${narrower.dropped.join(', ')} failed before any test ran (exit ${first.exitCode}); the gate runs the test runner alone: ${narrower.detection.command}`;
        return { name, detection: narrower.detection, baseline: second, note };
      }
    }
    return { name, detection: d, baseline: first, note: cannotRunNote(name, first) };
  };

  /** The baseline of a suite, from another run of the same tree when one measured it (see SharedBaselines). */
  const sharedBaselineOf = async (
    d: TestDetection,
    i: number,
    signal: AbortSignal,
    tree: string | null,
  ): Promise<{ suite: Suite; shared: boolean }> => {
    const shared = opts.baselines;
    if (!shared || tree === null) return { suite: await baselineOf(d, i, signal), shared: false };
    const key = JSON.stringify([shared.scope, tree, d.command, relative(opts.cwd, d.cwd), d.env ?? {}, i]);
    const known = shared.entries.get(key);
    if (known) {
      const hit = await known;
      if (hit) return { suite: moved(hit.suite, hit.root, opts.cwd), shared: true };
    }
    let own: Suite = { name: named(d, i), detection: d, baseline: null };
    const mine = baselineOf(d, i, signal).then((suite) => {
      own = suite;
      return suite.baseline ? { root: opts.cwd, suite } : null;
    });
    shared.entries.set(key, mine);
    if (!(await mine)) shared.entries.delete(key);
    return { suite: own, shared: false };
  };

  const startBaseline = (signal: AbortSignal): Promise<void> => {
    ready ??= (async () => {
      const out: Suite[] = [];
      const tree = opts.baselines ? await treeFingerprint(opts.cwd) : null;
      let ranHere = !opts.baselines;
      for (const [i, d] of plan.entries()) {
        const r = await sharedBaselineOf(d, i, signal, tree);
        out.push(r.suite);
        if (!r.shared) ranHere = true;
      }
      suites = out;
      // nothing ran here: the tree is still the one fingerprinted above
      startPrint = ranHere ? await treeFingerprint(opts.cwd) : tree;
    })();
    return ready;
  };

  return {
    command: plan.length ? plan.map((d) => d.command).join(' ; ') : null,
    // each run starts afresh, so one gate can serve the tasks of an interactive session
    start(signal, task) {
      ready = null;
      suites = [];
      round = 0;
      lastFailing = null;
      asked = !!task && ASKS_FOR_TESTS.test(task);
      startPrint = null;
      void startBaseline(signal);
    },
    async beforeFirstChange(signal) {
      await startBaseline(signal);
    },
    async baseline() {
      if (!ready) return null;
      await ready;
      return suites[0]?.baseline ?? null;
    },
    async check(signal) {
      round++;
      if (!plan.length) return { outcome: skipped('no test command found'), feedback: '' };
      await startBaseline(signal);
      const unchanged = !asked && startPrint !== null && startPrint === (await treeFingerprint(opts.cwd));
      if (unchanged) return noChange(suites);

      const reports: SuiteReport[] = [];
      for (const [i, s] of suites.entries()) {
        const result = await run(s.detection, {
          signal,
          outputDir: opts.outputDir,
          label: `check-${round}-${i + 1}`,
          ...timeout(),
        });
        reports.push({
          suite: s.name,
          result,
          decision: compareRuns(s.baseline, result, policy),
          baseline: s.baseline,
        });
      }
      const outcome = combine(reports, suites);
      if (outcome.ok) return { outcome, feedback: '' };
      const failingNow = JSON.stringify([...outcome.new_failures, ...outcome.preexisting].sort());
      // a round that changed nothing (the same failing set as the round before) will not be followed by a
      // better one; interactively, failures that all predate the run are reported, not looped on
      const repeated = lastFailing === failingNow;
      lastFailing = failingNow;
      const stop = repeated || (opts.interactive === true && outcome.new_failures.length === 0);
      return { outcome, feedback: formatFeedback(reports, policy), ...(stop ? { stop: true } : {}) };
    },
  };
}

function skipped(reason: string): VerifyOutcome {
  return {
    command: null,
    ok: true,
    passed: null,
    failed: null,
    new_failures: [],
    preexisting: [],
    duration_ms: 0,
    output_file: null,
    summary: `tests not run: ${reason}`,
    skipped_reason: reason,
  };
}

/** Nothing changed since the run started: the baseline is the answer (no new run, no round). */
function noChange(suites: Suite[]): { outcome: VerifyOutcome; feedback: string; stop?: boolean } {
  const failing = suites.flatMap((s) => {
    const b = s.baseline;
    if (!b) return [];
    const ids = ranNothing(b) ? ['no test ran'] : b.ok ? [] : failingIds(b);
    return suites.length > 1 ? ids.map((id) => `${s.name}: ${id}`) : ids;
  });
  const base: VerifyOutcome = {
    ...skipped('no file changed in this run, so the tests were not run again'),
    command: suites.map((s) => s.detection.command).join(' ; ') || null,
    suites: suites.map((s) => suiteOutcome(s, s.baseline, null)),
    notes: suites.flatMap((s) => (s.note ? [s.note] : [])),
    baseline: baselineCounts(suites),
    fixed: [],
    rerun: false,
  };
  if (!failing.length) return { outcome: base, feedback: '' };
  // the failures are reported once, not sent back to the model: they are not this run's doing
  const { skipped_reason: _unused, ...rest } = base;
  return {
    outcome: {
      ...rest,
      ok: false,
      preexisting: failing,
      summary: `no file changed; ${failing.length} failing before this run, not run again (pre-existing)`,
    },
    feedback: '',
    stop: true,
  };
}

/** What the baseline runs found, summed over the suites (null when no baseline finished). */
function baselineCounts(suites: Suite[]): TestCounts | null {
  const runs = suites.filter((s) => s.baseline !== null);
  if (!runs.length) return null;
  const sum = (pick: (r: TestRunResult) => number | null) => {
    const values = runs.map((s) => pick(s.baseline as TestRunResult));
    return values.every((v) => v === null) ? null : values.reduce<number>((a, v) => a + (v ?? 0), 0);
  };
  const failing = runs.flatMap((s) => {
    const b = s.baseline as TestRunResult;
    const ids = b.ok ? [] : failingIds(b);
    return suites.length > 1 ? ids.map((id) => `${s.name}: ${id}`) : ids;
  });
  return { passed: sum((r) => r.passed), failed: sum((r) => r.failed), failing };
}

function failingIds(r: TestRunResult): string[] {
  if (r.failing.length) return r.failing;
  return [r.timedOut ? 'the test run timed out' : `exit code ${r.exitCode ?? 'killed'}`];
}

function suiteOutcome(s: Suite, result: TestRunResult | null, decision: GateDecision | null): SuiteOutcome {
  const r = result;
  const ran = r ? (r.passed ?? 0) + (r.failed ?? 0) > 0 || r.parsedBy === 'exit-code' : false;
  const status: SuiteOutcome['status'] = !r
    ? 'not run'
    : r.ok && ran
      ? 'passed'
      : r.parsedBy === 'summary' && !ran && !r.failing.length
        ? 'no tests'
        : r.parsedBy === 'exit-code' && !r.ok && stoppedBeforeTests(r)
          ? 'could not run'
          : 'failed';
  return {
    name: s.name,
    command: s.detection.command,
    cwd: s.detection.cwd,
    status,
    exit_code: r?.exitCode ?? null,
    passed: r?.passed ?? null,
    failed: r?.failed ?? null,
    failing: r?.failing ?? [],
    new_failures: decision?.newFailures ?? [],
    preexisting: decision?.preexisting ?? (r && !r.ok ? failingIds(r) : []),
    ...(decision?.preexisting.length ? { preexisting_why: decision.why } : {}),
    output_file: r?.outputFile ?? null,
  };
}

function combine(reports: SuiteReport[], suites: Suite[]): VerifyOutcome {
  const many = reports.length > 1;
  const tag = (r: SuiteReport, ids: string[]) => (many ? ids.map((id) => `${r.suite}: ${id}`) : ids);
  const sum = (pick: (r: TestRunResult) => number | null) => {
    const values = reports.map((r) => pick(r.result));
    return values.every((v) => v === null) ? null : values.reduce<number>((a, v) => a + (v ?? 0), 0);
  };
  const notes = suites.flatMap((s) => (s.note ? [s.note] : []));
  for (const r of reports) {
    const t = r.result.treeChanges;
    if (t?.restored.length) notes.push(`${r.suite}: the test run changed ${t.restored.join(', ')}; put back`);
    if (t?.created.length) notes.push(`${r.suite}: the test run created ${t.created.join(', ')}`);
  }
  return {
    command: reports.map((r) => r.result.command).join(' ; '),
    ok: reports.every((r) => r.decision.ok),
    passed: sum((r) => r.passed),
    failed: sum((r) => r.failed),
    new_failures: reports.flatMap((r) => tag(r, r.decision.newFailures)),
    preexisting: reports.flatMap((r) => tag(r, r.decision.preexisting)),
    duration_ms: reports.reduce((a, r) => a + r.result.durationMs, 0),
    output_file: reports.find((r) => !r.decision.ok)?.result.outputFile ?? reports[0]?.result.outputFile ?? null,
    summary: many
      ? reports.map((r) => `${r.suite}: ${r.decision.summary}`).join('; ')
      : (reports[0]?.decision.summary ?? ''),
    suites: reports.map((r, i) => suiteOutcome(suites[i] as Suite, r.result, r.decision)),
    baseline: baselineCounts(suites),
    fixed: reports.flatMap((r) => tag(r, r.decision.fixed)),
    rerun: true,
    ...(notes.length ? { notes } : {}),
  };
}

/** Detection plus verifier in one call (what the composition root needs): `cmd` is the test command the
 * settings resolved (--test-cmd or a config file), with its source; unset, the repo is searched. */
export async function createTestGate(
  opts: Omit<VerifierOptions, 'detection' | 'suites'> & DetectOverrides,
): Promise<TestGate> {
  const { cmd, source, reason, has } = opts;
  const plan: TestPlan = await explainTestDetection(opts.cwd, { cmd, source, reason, has });
  return createVerifier({ ...opts, detection: plan.detection, suites: plan.suites });
}
