import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestGate, createVerifier, type SharedBaselines } from '../../src/agent/verify.js';
import { runTests } from '../../src/repo/test-run.js';
import { compareRuns } from '../../src/agent/verify-compare.js';
import { detectTestCommand } from '../../src/repo/test-detect.js';
import type { TestRunResult } from '../../src/repo/test-types.js';
import { fixtureRepo, type FixtureRepo } from '../repo/fixture-repo.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function setup(): { repo: FixtureRepo; outputDir: string } {
  const repo = fixtureRepo('node-test');
  const outputDir = mkdtempSync(join(tmpdir(), 'sedge-verify-out-'));
  cleanups.push(
    () => repo.cleanup(),
    () => rmSync(outputDir, { recursive: true, force: true }),
  );
  return { repo, outputDir };
}

const ALWAYS_FAILS =
  "const test = require('node:test');\nconst assert = require('node:assert');\ntest('always fails', () => assert.fail('broken before the run'));\n";
const signal = () => new AbortController().signal;

describe('createVerifier on a real repo (node:test)', () => {
  it('passes a green suite that stays green', async () => {
    const { repo, outputDir } = setup();
    const v = createVerifier({ cwd: repo.dir, detection: await detectTestCommand(repo.dir), outputDir });
    v.start?.(signal());
    await v.beforeFirstChange?.(signal());
    repo.write('src/notes.js', '// a change the tests do not mind\n');
    const { outcome, feedback } = await v.check(signal());
    expect(v.command).toBe('node --test');
    expect(outcome).toMatchObject({
      ok: true,
      command: 'node --test',
      passed: 2,
      failed: 0,
      new_failures: [],
      preexisting: [],
    });
    expect(outcome.skipped_reason).toBeUndefined();
    expect(feedback).toBe('');
  });

  it('blocks a change that breaks a passing test, with the failure summary as feedback', async () => {
    const { repo, outputDir } = setup();
    const v = createVerifier({ cwd: repo.dir, detection: await detectTestCommand(repo.dir), outputDir });
    v.start?.(signal());
    await v.beforeFirstChange?.(signal());
    expect((await v.baseline())?.ok).toBe(true);
    repo.edit('src/calc.js', 'a + b', 'a - b');
    const { outcome, feedback } = await v.check(signal());
    expect(outcome).toMatchObject({ ok: false, passed: 1, failed: 1, new_failures: ['adds'], preexisting: [] });
    expect(outcome.summary).toContain('1 passed, 1 failed');
    expect(outcome.output_file).toBeTruthy();
    expect(statSync(outcome.output_file as string).mode & 0o777).toBe(0o600);
    expect(feedback).toContain('The task is not finished');
    expect(feedback).toContain('NEW failures');
    expect(feedback).toContain('- adds');
    expect(feedback).toMatch(/First new failure \(adds\):\n```\nnot ok 1 - adds[\s\S]*calc\.test\.js:4/);
    expect(feedback).toContain(`Full output: ${outcome.output_file}`);
  });

  it('reports failures that were there before the run as pre-existing, never as new', async () => {
    const { repo, outputDir } = setup();
    repo.write('test/always.test.js', ALWAYS_FAILS);
    const v = createVerifier({ cwd: repo.dir, detection: await detectTestCommand(repo.dir), outputDir });
    v.start?.(signal());
    await v.beforeFirstChange?.(signal());
    repo.write('src/notes.js', '// a change the tests do not mind\n');
    const { outcome, feedback } = await v.check(signal());
    expect(outcome).toMatchObject({ ok: false, new_failures: [], preexisting: ['always fails'] });
    expect(outcome.suites?.[0]).toMatchObject({
      command: 'node --test',
      status: 'failed',
      failing: ['always fails'],
      preexisting: ['always fails'],
      preexisting_why: expect.stringContaining('baseline'),
    });
    // strict policy: the prompt does not say pre-existing failures may be left alone
    expect(feedback).toContain('Policy in force: every test must pass');
    expect(feedback).not.toContain('you may leave them alone');
    expect(outcome.summary).toMatch(/pre-existing/);
    expect(feedback).toContain('First failure:');
    expect(feedback).toContain('PRE-EXISTING failures');
    expect(feedback).not.toContain('NEW failures');
  });

  it('policy new-only lets pre-existing failures pass but still blocks new ones', async () => {
    const { repo, outputDir } = setup();
    repo.write('test/always.test.js', ALWAYS_FAILS);
    const v = createVerifier({
      cwd: repo.dir,
      detection: await detectTestCommand(repo.dir),
      outputDir,
      policy: 'new-only',
    });
    v.start?.(signal());
    await v.beforeFirstChange?.(signal());
    repo.write('src/notes.js', '// a change the tests do not mind\n');
    const first = await v.check(signal());
    expect(first.outcome).toMatchObject({ ok: true, new_failures: [], preexisting: ['always fails'] });
    repo.edit('src/calc.js', 'a + b', 'a - b');
    const second = await v.check(signal());
    expect(second.outcome).toMatchObject({ ok: false, new_failures: ['adds'], preexisting: ['always fails'] });
    expect(second.feedback).toContain('Policy in force: only NEW failures block');
  });

  it('passes once the model fixed the failure that was there before', async () => {
    const { repo, outputDir } = setup();
    repo.edit('src/calc.js', 'a + b', 'a - b');
    const v = createVerifier({ cwd: repo.dir, detection: await detectTestCommand(repo.dir), outputDir });
    v.start?.(signal());
    await v.beforeFirstChange?.(signal());
    expect((await v.baseline())?.failing).toEqual(['adds']);
    expect((await v.check(signal())).outcome).toMatchObject({ ok: false, preexisting: ['adds'] });
    repo.edit('src/calc.js', 'a - b', 'a + b');
    const { outcome } = await v.check(signal());
    expect(outcome).toMatchObject({ ok: true, failed: 0, new_failures: [], preexisting: [] });
  });

  it('does not accept deleting the failing test as a fix', async () => {
    const { repo, outputDir } = setup();
    repo.write('test/always.test.js', ALWAYS_FAILS);
    const v = createVerifier({ cwd: repo.dir, detection: await detectTestCommand(repo.dir), outputDir });
    v.start?.(signal());
    await v.beforeFirstChange?.(signal());
    rmSync(join(repo.dir, 'test/always.test.js'));
    const { outcome } = await v.check(signal());
    expect(outcome.ok).toBe(false);
    expect(outcome.new_failures[0]).toMatch(/fewer test\(s\) ran/);
  });

  it('takes a fresh baseline at each start (the next task of a session)', async () => {
    const { repo, outputDir } = setup();
    const v = createVerifier({ cwd: repo.dir, detection: await detectTestCommand(repo.dir), outputDir });
    v.start?.(signal());
    expect((await v.baseline())?.ok).toBe(true);
    repo.edit('src/calc.js', 'a + b', 'a - b');
    expect((await v.check(signal())).outcome.new_failures).toEqual(['adds']);
    // the user kept that change; the next task starts from it
    v.start?.(signal());
    expect((await v.baseline())?.failing).toEqual(['adds']);
    expect((await v.check(signal())).outcome).toMatchObject({ new_failures: [], preexisting: ['adds'] });
  });

  it('starts the baseline before the first change even without start()', async () => {
    const { repo, outputDir } = setup();
    const v = createVerifier({ cwd: repo.dir, detection: await detectTestCommand(repo.dir), outputDir });
    await v.beforeFirstChange?.(signal());
    expect(await v.baseline()).toMatchObject({ ok: true, passed: 2 });
  });

  it('createTestGate detects, honouring --test-cmd', async () => {
    const { repo, outputDir } = setup();
    expect((await createTestGate({ cwd: repo.dir, outputDir })).command).toBe('node --test');
    expect((await createTestGate({ cwd: repo.dir, outputDir, cmd: 'node --test test/' })).command).toBe(
      'node --test test/',
    );
  });

  it('skips, without blame, when no test command was found', async () => {
    const v = createVerifier({ cwd: tmpdir(), detection: null, outputDir: tmpdir() });
    v.start?.(signal());
    await v.beforeFirstChange?.(signal());
    const { outcome, feedback } = await v.check(signal());
    expect(outcome).toMatchObject({
      ok: true,
      command: null,
      skipped_reason: 'no test command found',
      passed: null,
      failed: null,
    });
    expect(feedback).toBe('');
  });
});

function result(p: Partial<TestRunResult>): TestRunResult {
  return {
    command: 'make test',
    cwd: '/x',
    runner: 'unknown',
    exitCode: 0,
    timedOut: false,
    aborted: false,
    durationMs: 10,
    outputFile: null,
    tail: '',
    passed: null,
    failed: null,
    failing: [],
    firstError: null,
    failureDetails: {},
    parsedBy: 'exit-code',
    ok: true,
    ...p,
  };
}
const red = (p: Partial<TestRunResult> = {}) => result({ exitCode: 1, ok: false, ...p });

describe('compareRuns', () => {
  it('never passes a suite that passed before and fails now, even without test ids', () => {
    const d = compareRuns(result({}), red());
    expect(d.ok).toBe(false);
    expect(d.newFailures[0]).toMatch(/exit code 1; the suite passed before/);
    expect(compareRuns(result({}), red(), 'new-only').ok).toBe(false);
  });

  it('without ids, same failure as before is pre-existing but unconfirmed; a changed exit status is new', () => {
    // --allow-preexisting must not say done on a failure known only by its exit code
    expect(compareRuns(red(), red(), 'new-only')).toMatchObject({
      ok: false,
      newFailures: [],
      preexisting: ['exit code 1, as before this run'],
      summary: expect.stringContaining('not confirmed'),
    });
    expect(compareRuns(red(), red())).toMatchObject({ ok: false, newFailures: [] });
    expect(compareRuns(red(), red({ exitCode: 2 }), 'new-only')).toMatchObject({ ok: false });
  });

  it('without ids, compares counts', () => {
    const base = red({ passed: 5, failed: 1, parsedBy: 'summary' });
    expect(compareRuns(base, red({ passed: 4, failed: 2, parsedBy: 'summary' }), 'new-only')).toMatchObject({
      ok: false,
    });
    expect(compareRuns(base, red({ passed: 5, failed: 1, parsedBy: 'summary' }), 'new-only')).toMatchObject({
      ok: true,
    });
  });

  it('ids after a baseline that named none are all new (nothing to match against)', () => {
    const d = compareRuns(
      red({ exitCode: 2 }),
      red({ failing: ['t1'], failed: 1, passed: 3, parsedBy: 'summary' }),
      'new-only',
    );
    expect(d).toMatchObject({ ok: false, newFailures: ['t1'] });
  });

  it('a timeout is a failure, new unless the baseline timed out too', () => {
    expect(compareRuns(result({}), red({ timedOut: true, exitCode: null })).newFailures).toEqual([
      '[the test run timed out]',
    ]);
    expect(
      compareRuns(red({ timedOut: true, exitCode: null }), red({ timedOut: true, exitCode: null }), 'new-only').ok,
    ).toBe(true);
  });

  it('a runner that cannot start blocks done under both policies (the gate cannot confirm anything)', () => {
    const missing = red({ exitCode: 127 });
    expect(compareRuns(missing, missing)).toMatchObject({
      ok: false,
      preexisting: [expect.stringContaining('could not start')],
    });
    expect(compareRuns(missing, missing, 'new-only')).toMatchObject({
      ok: false,
      preexisting: [expect.stringContaining('could not start')],
    });
    expect(compareRuns(result({}), missing).ok).toBe(false);
    const noPytest = red({ tail: '/usr/bin/python3: No module named pytest' });
    expect(compareRuns(noPytest, noPytest)).toMatchObject({
      ok: false,
      summary: expect.stringContaining('could not start'),
    });
    expect(compareRuns(noPytest, noPytest, 'new-only')).toMatchObject({ ok: false });
  });

  it('"0 tests ran" is never a pass, before and after or only after', () => {
    const none = red({ exitCode: 5, passed: 0, failed: 0, parsedBy: 'summary' });
    expect(compareRuns(none, none)).toMatchObject({ ok: false, preexisting: [expect.stringContaining('no test ran')] });
    expect(compareRuns(none, none, 'new-only').ok).toBe(false);
    const empty = result({ passed: 0, failed: 0, parsedBy: 'summary' });
    expect(compareRuns(result({ passed: 3, parsedBy: 'summary' }), empty)).toMatchObject({
      ok: false,
      newFailures: [expect.stringContaining('collected no tests')],
    });
    // a crash that printed only an empty harness summary is a failure with the crash named, not "no tests"
    const crash = red({ exitCode: 101, passed: 0, failed: 1, parsedBy: 'summary', failing: ['deep (crashed)'] });
    expect(compareRuns(crash, crash)).toMatchObject({ ok: false, preexisting: ['deep (crashed)'] });
    expect(compareRuns(red({ exitCode: 1, passed: 3, failed: 1, failing: ['a'], parsedBy: 'summary' }), none).ok).toBe(
      false,
    );
  });

  it('without a baseline every failure is new', () => {
    expect(compareRuns(null, red({ failing: ['a'], failed: 1, passed: 0 }))).toMatchObject({
      ok: false,
      newFailures: ['a'],
    });
  });
});

describe('the gate inside the agent loop (replay model)', async () => {
  const { runAgent } = await import('../../src/agent/loop.js');
  const { createReplayModel } = await import('../../src/model/replay.js');
  const { createToolset } = await import('../../src/tools/tool.js');
  type ModelClient = import('../../src/model/types.js').ModelClient;
  type AgentEvent = import('../../src/agent/events.js').AgentEvent;

  /** A model that says "Done." every turn; `touch` writes a file first each turn (a change that fixes nothing). */
  async function runDoneAtOnce(
    repo: FixtureRepo,
    outputDir: string,
    rounds: number,
    opts: { touch?: boolean; interactive?: boolean; task?: string } = {},
  ) {
    const inner = createReplayModel(
      Array.from({ length: rounds + 1 }, () => ({ text: 'Done.' })),
      { id: 'replay:test' },
    );
    const seen: string[][] = [];
    const model: ModelClient = {
      ...inner,
      stream(request, sig) {
        seen.push(request.messages.filter((m) => m.role === 'user').map((m) => String(m.content)));
        const turn = seen.length;
        return (async function* () {
          // like an edit tool: the change waits for the baseline
          if (opts.touch) {
            await verify.beforeFirstChange?.(sig);
            repo.write('src/notes.js', `// turn ${turn}\n`);
          }
          yield* inner.stream(request, sig);
        })();
      },
    };
    const verify = createVerifier({
      cwd: repo.dir,
      detection: await detectTestCommand(repo.dir),
      outputDir,
      ...(opts.interactive ? { interactive: true } : {}),
    });
    const gen = runAgent(
      opts.task ?? 'fix the bug',
      {
        model,
        tools: createToolset([]),
        system: 's',
        cwd: repo.dir,
        sessionId: 't',
        verify,
        limits: { verifyRounds: rounds },
      },
      signal(),
    );
    const events: AgentEvent[] = [];
    for (let next = await gen.next(); ; next = await gen.next()) {
      if (next.done) return { events, result: next.value, seen };
      events.push(next.value);
    }
  }

  it('changes that leave the same failures stop after the second round, not after every round', async () => {
    const { repo, outputDir } = setup();
    repo.edit('src/calc.js', 'a + b', 'a - b');
    const { events, result, seen } = await runDoneAtOnce(repo, outputDir, 3, { touch: true });
    expect(result.status).toBe('tests_failed');
    const verdicts = events.filter((e) => e.type === 'verify_result');
    expect(verdicts).toHaveLength(2);
    for (const v of verdicts) expect(v).toMatchObject({ ok: false, failed: 1, preexisting: ['adds'] });
    expect(events.at(-1)).toMatchObject({ type: 'run_end', status: 'tests_failed', verified: false });
    // the model was sent the failure summary once, between the two rounds
    expect(seen).toHaveLength(2);
    const last = seen[1]?.at(-1) ?? '';
    expect(last).toContain('The task is not finished');
    expect(last).toContain('- adds');
  });

  it('interactively, failures that all predate the run are reported once and not looped on', async () => {
    const { repo, outputDir } = setup();
    repo.edit('src/calc.js', 'a + b', 'a - b');
    const { events, result, seen } = await runDoneAtOnce(repo, outputDir, 3, { touch: true, interactive: true });
    expect(result.status).toBe('tests_failed');
    expect(events.filter((e) => e.type === 'verify_result')).toHaveLength(1);
    expect(seen).toHaveLength(1);
  });

  it('a question that changes no file in a failing repo ends after one turn, the failures reported', async () => {
    const { repo, outputDir } = setup();
    repo.edit('src/calc.js', 'a + b', 'a - b');
    const { events, result, seen } = await runDoneAtOnce(repo, outputDir, 3, { task: 'summarise what you saw' });
    expect(seen).toHaveLength(1);
    expect(events.filter((e) => e.type === 'assistant_message')).toHaveLength(1);
    const verdicts = events.filter((e) => e.type === 'verify_result');
    expect(verdicts).toEqual([expect.objectContaining({ ok: false, preexisting: ['adds'] })]);
    expect(result.status).toBe('tests_failed');
    expect(events.at(-1)).toMatchObject({ type: 'run_end', verified: false });
  });

  it('in a green repo a run that changed nothing ends done, not verified: no test checked a change', async () => {
    const { repo, outputDir } = setup();
    const { events, result } = await runDoneAtOnce(repo, outputDir, 2);
    expect(result.status).toBe('done');
    expect(events.at(-1)).toMatchObject({ type: 'run_end', status: 'done', verified: null });
    expect(events.find((e) => e.type === 'verify_result')).toMatchObject({
      skipped_reason: expect.stringContaining('no file changed'),
    });
  });

  it('a change in a green repo ends done and verified', async () => {
    const { repo, outputDir } = setup();
    const { events, result } = await runDoneAtOnce(repo, outputDir, 2, { touch: true });
    expect(result.status).toBe('done');
    expect(events.at(-1)).toMatchObject({ type: 'run_end', status: 'done', verified: true });
  });

  it('a task that asks to run the tests runs them even when nothing changed', async () => {
    const { repo, outputDir } = setup();
    const { events } = await runDoneAtOnce(repo, outputDir, 2, { task: 'run the tests and tell me' });
    expect(events.find((e) => e.type === 'verify_result')).toMatchObject({ ok: true, passed: 2 });
    expect(events.at(-1)).toMatchObject({ type: 'run_end', status: 'done', verified: true });
  });
});

describe('baselines shared between runs of the same tree (the tasks of a batch)', () => {
  const counting = (calls: string[], abortFirst = false) => {
    const run: typeof runTests = async (d, o) => {
      calls.push(`${o?.label}@${d.cwd}`);
      const r = await runTests(d, o);
      return abortFirst && calls.length === 1 ? { ...r, aborted: true } : r;
    };
    return run;
  };
  const gate = async (cwd: string, outputDir: string, run: typeof runTests, baselines: SharedBaselines) => {
    const v = createVerifier({ cwd, detection: await detectTestCommand(cwd), outputDir, run, baselines });
    v.start?.(signal());
    await v.beforeFirstChange?.(signal());
    return v;
  };
  const baselineRuns = (calls: string[]) => calls.filter((c) => c.startsWith('baseline'));

  it('measures a tree once; another copy of it gets that baseline with its own paths; another tree runs its own', async () => {
    const a = setup();
    const b = setup();
    const calls: string[] = [];
    const shared: SharedBaselines = { scope: 'test', entries: new Map() };
    const run = counting(calls);
    const [, vb] = await Promise.all([
      gate(a.repo.dir, a.outputDir, run, shared),
      gate(b.repo.dir, b.outputDir, run, shared),
    ]);
    expect(baselineRuns(calls)).toHaveLength(1);
    expect(await vb.baseline()).toMatchObject({ ok: true, cwd: b.repo.dir });

    const c = setup();
    c.repo.edit('src/calc.js', 'a + b', 'a - b');
    const vc = await gate(c.repo.dir, c.outputDir, run, shared);
    expect(baselineRuns(calls)).toHaveLength(2);
    expect((await vc.baseline())?.ok).toBe(false);

    // the check of a run that was handed its baseline runs in its own tree
    b.repo.edit('src/calc.js', 'a + b', 'a - b');
    const { outcome } = await vb.check(signal());
    expect(outcome).toMatchObject({ ok: false, new_failures: ['adds'] });
    expect(calls.at(-1)).toBe(`check-1-1@${b.repo.dir}`);
  });

  it('does not hand on a baseline that was aborted: the next run measures its own', async () => {
    const a = setup();
    const b = setup();
    const calls: string[] = [];
    const shared: SharedBaselines = { scope: 'test', entries: new Map() };
    const run = counting(calls, true);
    const va = await gate(a.repo.dir, a.outputDir, run, shared);
    expect(await va.baseline()).toBeNull();
    const vb = await gate(b.repo.dir, b.outputDir, run, shared);
    expect(baselineRuns(calls)).toHaveLength(2);
    expect((await vb.baseline())?.ok).toBe(true);
  });
});
