/**
 * Issue 10: the test gate on the six shapes of real repositories that broke it, each built here with its real
 * runner and driven through the built CLI (`sedge exec --json`) by the scripted OpenAI-compatible server. At the
 * buggy state (a change that fixes nothing) each run ends tests_failed, exit 1, naming the right tests; with the
 * fix it ends done, exit 0, verified. A runner missing here skips its case, except under CI=true.
 */
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonl, runCli } from '../support/cli.js';
import { makeTempHome, makeTempRepo } from '../support/repo.js';
import { type ScriptStep, startScriptedServer } from '../support/scripted-server.js';

const CI = process.env.CI === 'true' || process.env.CI === '1';
const works = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const HAVE = {
  cargo: works('cargo', ['--version']),
  pytest: works('python3', ['-c', 'import pytest']),
  cmake: works('cmake', ['--version']) && works('make', ['--version']) && works('cc', ['--version']),
};
/** skip without the runner, but fail under CI=true (where .ci/run installs it) */
const needs = (tool: keyof typeof HAVE) => (CI || HAVE[tool] ? it : it.skip);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

beforeAll(() => {
  // the CLI under test is the built one (bin/sedge.js loads dist/); `npm test` builds first (pretest)
  if (!works(process.execPath, ['bin/sedge.js', '--version'])) throw new Error('build sedge first: npm run build');
});

interface Edit {
  path: string;
  script: string;
}

interface Fixture {
  files: Record<string, string>;
  /** an edit that changes a file without fixing anything */
  idle: Edit;
  fix: Edit;
  /** ids the gate must name at the buggy state */
  failing: string[];
}

const sed = (e: Edit): ScriptStep => ({ tool_calls: [{ name: 'sed', arguments: { path: e.path, script: e.script } }] });

async function runExec(fixture: Fixture, steps: ScriptStep[], task = 'fix the bug') {
  const server = await startScriptedServer(steps);
  const home = makeTempHome();
  const repo = makeTempRepo(fixture.files);
  cleanups.push(
    () => server.close(),
    () => home.cleanup(),
    () => repo.cleanup(),
  );
  const env = {
    ...home.env,
    OPENAI_BASE_URL: server.baseURL,
    OPENAI_API_KEY: 'sk-test-gate-0000',
    // rustup and cargo find their toolchains from these (HOME is a temp dir here)
    RUSTUP_HOME: process.env.RUSTUP_HOME ?? join(homedir(), '.rustup'),
    CARGO_HOME: process.env.CARGO_HOME ?? join(homedir(), '.cargo'),
    SEDGE_MODEL: 'scripted-model',
  };
  const res = await runCli(['exec', '--json', '--yes', task], { cwd: repo.dir, env });
  const events = parseJsonl(res.stdout);
  const verdicts = events.filter((e) => e.type === 'verify_result') as Record<string, unknown>[];
  return { res, events, verdicts, end: events.at(-1) as Record<string, unknown>, requests: server.requests };
}

/** Buggy state: an idle edit, "done", the failures come back, "done" again: the same failures end the run. */
async function expectBuggy(fixture: Fixture) {
  const { res, verdicts, end } = await runExec(fixture, [
    sed(fixture.idle),
    { text: 'Done.' },
    { text: 'Done, I think.' },
    { text: 'Still done.' },
  ]);
  expect(end).toMatchObject({ type: 'run_end', status: 'tests_failed', verified: false });
  expect(res.code).toBe(1);
  const last = verdicts.at(-1) as { ok: boolean; preexisting: string[]; new_failures: string[] };
  if (process.env.DEBUG_GATE) console.log(JSON.stringify(verdicts, null, 1));
  expect(last.ok).toBe(false);
  const named = [...last.preexisting, ...last.new_failures].join('\n');
  for (const id of fixture.failing) expect(named).toContain(id);
  // stopped when a round left the same failing set: two rounds, not four
  expect(verdicts.length).toBe(2);
  return { verdicts };
}

async function expectFixed(fixture: Fixture) {
  const { res, verdicts, end, events } = await runExec(fixture, [sed(fixture.fix), { text: 'Fixed.' }]);
  // the fix was applied by the real sed tool
  expect(events.find((e) => e.type === 'tool_end')).toMatchObject({ name: 'sed', is_error: false });
  expect(end).toMatchObject({ type: 'run_end', status: 'done', verified: true });
  expect(res.code).toBe(0);
  expect(verdicts).toHaveLength(1);
  return { verdicts };
}

const slugFixture = (): Fixture => ({
  files: {
    'package.json': JSON.stringify(
      {
        name: 'slug',
        type: 'module',
        scripts: { 'test:unit': 'node --test test/unit/', 'test:specs': 'node --test test/specs/' },
      },
      null,
      2,
    ),
    'src/slug.js':
      '// slugs for titles\nexport function slug(s) {\n  return s.toLowerCase().replace(/[^a-z]+/g, "-");\n}\n',
    'test/unit/slug.test.js':
      "import test from 'node:test';\nimport assert from 'node:assert';\nimport { slug } from '../../src/slug.js';\ntest('lowercases', () => assert.strictEqual(slug('Ab'), 'ab'));\n",
    'test/specs/slug.test.js':
      "import test from 'node:test';\nimport assert from 'node:assert';\nimport { slug } from '../../src/slug.js';\ntest('keeps digits', () => assert.strictEqual(slug('Top 10'), 'top-10'));\n",
    '.github/workflows/ci.yml': [
      'on: [push, pull_request]',
      'jobs:',
      '  unit:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '      - run: npm ci',
      '      - name: Unit tests',
      '        run: npm run test:unit',
      '  specs:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '      - run: npm ci',
      '      - name: Run specs',
      '        run: npm run test:specs',
      '',
    ].join('\n'),
  },
  idle: { path: 'src/slug.js', script: 's/slugs for titles/slugs for page titles/' },
  fix: { path: 'src/slug.js', script: '3c\\\n  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-");' },
  failing: ['keeps digits'],
});

describe('the gate on real repositories (issue 10)', { timeout: 120_000 }, () => {
  it('1. two CI test jobs, only the second covers the bug: both run, each reported by name', async () => {
    const { verdicts } = await expectBuggy(slugFixture());
    const suites = (verdicts.at(-1) as { suites: { command: string; status: string; failing: string[] }[] }).suites;
    const byCommand = Object.fromEntries(suites.map((s) => [s.command, s]));
    expect(Object.keys(byCommand).sort()).toEqual(['npm run test:specs', 'npm run test:unit']);
    expect(byCommand['npm run test:unit']).toMatchObject({ status: 'passed', failing: [] });
    expect(byCommand['npm run test:specs']).toMatchObject({ status: 'failed', failing: ['keeps digits'] });
    const fixed = await expectFixed(slugFixture());
    expect((fixed.verdicts[0] as { suites: unknown[] }).suites).toHaveLength(2);
  });

  const crate = (extra: Record<string, string>, lib: string): Record<string, string> => ({
    'Cargo.toml': '[package]\nname = "depth"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n',
    '.gitignore': 'target\n',
    'src/lib.rs': lib,
    ...extra,
  });
  const RECURSIVE =
    '// depth of a chain\npub fn depth(n: u64) -> u64 {\n    if n == 0 { 0 } else { 1 + depth(n - 1) }\n}\n';

  needs('cargo')('2a. a Rust test binary that crashes (stack overflow) is a failure named by its test', async () => {
    const fixture: Fixture = {
      files: crate(
        {
          'tests/deep.rs':
            '#[test]\nfn shallow() { assert_eq!(depth::depth(3), 3); }\n#[test]\nfn very_deep() { assert_eq!(depth::depth(50_000_000), 50_000_000); }\n',
        },
        RECURSIVE,
      ),
      idle: { path: 'src/lib.rs', script: 's/depth of a chain/depth of a linked chain/' },
      fix: { path: 'src/lib.rs', script: '3c\\\n    n' },
      failing: ['very_deep (crashed: stack overflow)'],
    };
    await expectBuggy(fixture);
    await expectFixed(fixture);
  });

  needs('cargo')('2b. a new Rust test that does not compile before the fix is a failure, not "no tests"', async () => {
    const fixture: Fixture = {
      files: crate(
        { 'tests/half.rs': '#[test]\nfn halves() { assert_eq!(depth::half(4), 2); }\n' },
        '// depth of a chain\npub fn depth(n: u64) -> u64 {\n    n\n}\n',
      ),
      idle: { path: 'src/lib.rs', script: 's/depth of a chain/depth of a linked chain/' },
      fix: { path: 'src/lib.rs', script: '$a\\\npub fn half(n: u64) -> u64 { n / 2 }' },
      failing: ['test half does not compile'],
    };
    await expectBuggy(fixture);
    await expectFixed(fixture);
  });

  needs('pytest')(
    '3. a src/-layout Python package, not installed: tested from the source tree',
    { timeout: 120_000 },
    async () => {
      const fixture: Fixture = {
        files: {
          'pyproject.toml':
            '[project]\nname = "calc"\nversion = "0.1"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
          'src/calc/__init__.py': '# arithmetic\ndef add(a, b):\n    return a - b\n',
          'tests/test_calc.py':
            'from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_zero():\n    assert add(0, 0) == 0\n',
          '.gitignore': '.pytest_cache\n__pycache__\n',
        },
        idle: { path: 'src/calc/__init__.py', script: 's/# arithmetic/# simple arithmetic/' },
        fix: { path: 'src/calc/__init__.py', script: 's/a - b/a + b/' },
        failing: ['tests/test_calc.py::test_add'],
      };
      const { verdicts } = await expectBuggy(fixture);
      // the import works: one real failure, not a collection error per module
      expect(verdicts.at(-1)).toMatchObject({ passed: 1, failed: 1 });
      await expectFixed(fixture);
    },
  );

  needs('cmake')(
    '4. a cmake job split over steps: configure in one, make && make test in build/ in the next',
    async () => {
      const fixture: Fixture = {
        files: {
          'CMakeLists.txt':
            'cmake_minimum_required(VERSION 3.10)\nproject(calc C)\nenable_testing()\nadd_executable(test_add test_add.c)\nadd_executable(test_zero test_zero.c)\nadd_test(NAME adds COMMAND test_add)\nadd_test(NAME zero COMMAND test_zero)\n',
          'calc.h': '/* arithmetic */\nstatic int add(int a, int b) { return a - b; }\n',
          'test_add.c': '#include "calc.h"\nint main(void) { return add(2, 3) == 5 ? 0 : 1; }\n',
          'test_zero.c': '#include "calc.h"\nint main(void) { return add(0, 0) == 0 ? 0 : 1; }\n',
          '.gitignore': 'build/\n',
          '.github/workflows/build.yml': [
            'on: push',
            'jobs:',
            '  build:',
            '    runs-on: ubuntu-latest',
            '    steps:',
            '      - uses: actions/checkout@v4',
            '      - name: Configure',
            '        run: mkdir build && cd build && cmake ..',
            '      - name: Build and test',
            '        working-directory: build',
            '        run: make && make test',
            '',
          ].join('\n'),
        },
        idle: { path: 'calc.h', script: 's/arithmetic/simple arithmetic/' },
        fix: { path: 'calc.h', script: 's/a - b/a + b/' },
        failing: ['adds'],
      };
      const { verdicts } = await expectBuggy(fixture);
      expect(verdicts.at(-1)).toMatchObject({ passed: 1, failed: 1 });
      await expectFixed(fixture);
    },
  );

  it('5. npm test whose lint step fails here: the test runner alone decides, and says so', async () => {
    const fixture: Fixture = {
      files: {
        'package.json': JSON.stringify(
          { name: 'calc', scripts: { lint: 'node scripts/lint.js', test: 'npm run lint && node --test test/' } },
          null,
          2,
        ),
        'scripts/lint.js': "console.error('lint: config needs linter v9, v8 installed');\nprocess.exit(2);\n",
        'src/calc.js': '// arithmetic\nexports.add = (a, b) => a - b;\n',
        'test/calc.test.js':
          "const test = require('node:test');\nconst assert = require('node:assert');\nconst { add } = require('../src/calc.js');\ntest('adds', () => assert.strictEqual(add(2, 3), 5));\ntest('zero', () => assert.strictEqual(add(0, 0), 0));\n",
      },
      idle: { path: 'src/calc.js', script: 's/arithmetic/simple arithmetic/' },
      fix: { path: 'src/calc.js', script: 's/a - b/a + b/' },
      failing: ['adds'],
    };
    const { verdicts } = await expectBuggy(fixture);
    const last = verdicts.at(-1) as { notes: string[]; suites: { command: string }[] };
    expect(last.suites[0]?.command).toBe('node --test test/');
    expect(last.notes.join('\n')).toContain('npm run lint failed before any test ran');
    await expectFixed(fixture);
  });

  it('6. a question that changes no file in a repo with failing tests: one model turn, failures reported', async () => {
    const { res, events, verdicts, requests } = await runExec(
      slugFixture(),
      [{ text: 'The slug helper lowercases titles and joins words with dashes.' }, { text: 'unused' }],
      'summarise what src/slug.js does',
    );
    if (process.env.DEBUG_GATE) console.log(JSON.stringify(verdicts, null, 1));
    expect(requests).toHaveLength(1);
    expect(events.filter((e) => e.type === 'assistant_message')).toHaveLength(1);
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]).toMatchObject({ ok: false, preexisting: [expect.stringContaining('keeps digits')] });
    expect(verdicts[0]?.summary).toContain('no file changed');
    expect(events.at(-1)).toMatchObject({ type: 'run_end', status: 'tests_failed' });
    expect(res.code).toBe(1);
  });
});
