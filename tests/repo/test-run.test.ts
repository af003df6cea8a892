import { statSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectTestCommand } from '../../src/repo/test-detect.js';
import { runTests } from '../../src/repo/test-run.js';
import { needTool, toolInstalled } from '../support/need-tool.js';
import { fixtureRepo } from './fixture-repo.js';

const outDir = mkdtempSync(join(tmpdir(), 'sedge-test-out-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

interface Case {
  fixture: string;
  node?: boolean;
  available: boolean;
  why?: string;
  breakFile: string;
  from?: string;
  to?: string;
  passed: number | null;
  failing: string[];
}

const CASES: Case[] = [
  {
    fixture: 'node-vitest',
    node: true,
    available: true,
    breakFile: 'src/calc.js',
    passed: 2,
    failing: ['test/calc.test.js > calc > adds'],
  },
  {
    fixture: 'node-jest',
    node: true,
    available: true,
    breakFile: 'src/calc.js',
    passed: 2,
    failing: ['test/calc.test.js › calc › adds'],
  },
  { fixture: 'node-mocha', node: true, available: true, breakFile: 'src/calc.js', passed: 2, failing: ['calc adds'] },
  { fixture: 'node-test', available: true, breakFile: 'src/calc.js', passed: 2, failing: ['adds'] },
  { fixture: 'node-uvu', node: true, available: true, breakFile: 'src/calc.js', passed: 2, failing: ['adds'] },
  { fixture: 'node-lint-only', available: true, breakFile: 'src/calc.js', passed: 2, failing: ['adds'] },
  { fixture: 'node-workspaces', available: true, breakFile: 'packages/calc/calc.js', passed: 2, failing: ['adds'] },
  { fixture: 'node-ci', available: true, breakFile: 'src/calc.js', passed: 2, failing: ['adds'] },
  {
    fixture: 'python-pytest',
    available: toolInstalled('pytest'),
    why: 'pytest',
    breakFile: 'calc.py',
    passed: 2,
    failing: ['tests/test_calc.py::test_adds'],
  },
  {
    fixture: 'python-unittest',
    available: toolInstalled('python3'),
    why: 'python3',
    breakFile: 'calc.py',
    passed: 2,
    failing: ['tests.test_calc.CalcTest.test_adds'],
  },
  {
    fixture: 'go',
    available: toolInstalled('go'),
    why: 'go',
    breakFile: 'calc.go',
    passed: null,
    failing: ['example.com/calc.TestAdd'],
  },
  {
    fixture: 'rust',
    available: toolInstalled('cargo'),
    why: 'cargo',
    breakFile: 'src/lib.rs',
    passed: 2,
    failing: ['tests::adds'],
  },
  {
    fixture: 'bats',
    available: toolInstalled('bats'),
    why: 'bats',
    breakFile: 'calc.sh',
    from: '$1 + $2',
    to: '$1 - $2',
    passed: 2,
    failing: ['adds'],
  },
  {
    fixture: 'make',
    available: toolInstalled('make'),
    why: 'make',
    breakFile: 'calc.sh',
    from: '$1 + $2',
    to: '$1 - $2',
    passed: null,
    failing: [],
  },
];

describe('runTests on each fixture ecosystem: passing, then failing', () => {
  for (const c of CASES) {
    const title = c.available
      ? c.fixture
      : `${c.fixture} (skipped: ${c.why} is not installed here; .ci/run installs it)`;
    // needTool: skipped with the reason outside CI; under CI=true (.ci/run installs every runner) a missing one fails
    it(title, { timeout: 120_000 }, async (ctx) => {
      if (c.why && !needTool(c.why)) return ctx.skip(`${c.why} is not installed`);
      const repo = fixtureRepo(c.fixture, { nodeModules: c.node ?? false });
      try {
        const detection = await detectTestCommand(repo.dir);
        expect(detection).not.toBeNull();
        if (!detection) return;

        const green = await runTests(detection, { outputDir: outDir, label: `${c.fixture}-green` });
        expect(green, green.tail).toMatchObject({
          ok: true,
          exitCode: 0,
          failed: c.passed === null ? (green.failed ?? null) : 0,
          failing: [],
        });
        expect(green.passed).toBe(c.passed);

        repo.edit(c.breakFile, c.from ?? 'a + b', c.to ?? 'a - b');
        const red = await runTests(detection, { outputDir: outDir, label: `${c.fixture}-red` });
        expect(red.ok, red.tail).toBe(false);
        expect(red.exitCode).not.toBe(0);
        expect(red.failing).toEqual(c.failing);
        if (c.failing.length) {
          expect(red.failed).toBe(1);
          expect(red.parsedBy).toBe('summary');
          expect(red.firstError).toBeTruthy();
        } else {
          expect(red.parsedBy).toBe('exit-code');
        }
        expect(red.outputFile).toBeTruthy();
        const file = red.outputFile as string;
        expect(statSync(file).mode & 0o777).toBe(0o600);
        expect(readFileSync(file, 'utf8')).toContain(`$ ${detection.command}`);
      } finally {
        repo.cleanup();
      }
    });
  }
});

describe('runTests limits', () => {
  it('kills a run that exceeds its timeout and says so', async () => {
    const repo = fixtureRepo(null);
    try {
      const r = await runTests(
        { command: 'echo started; sleep 30', cwd: repo.dir, runner: 'unknown', reason: 'test', source: 'flag' },
        { timeoutMs: 300 },
      );
      expect(r).toMatchObject({ ok: false, timedOut: true, outputFile: null });
      expect(r.tail).toContain('started');
    } finally {
      repo.cleanup();
    }
  });

  it('runs with CI=1 and no stdin', async () => {
    const repo = fixtureRepo(null);
    try {
      const r = await runTests({
        command: 'echo "CI=$CI"; cat; echo "read done"',
        cwd: repo.dir,
        runner: 'unknown',
        reason: 'test',
        source: 'flag',
      });
      expect(r.tail).toContain('CI=1');
      expect(r.tail).toContain('read done');
      expect(r).toMatchObject({ ok: true, parsedBy: 'exit-code', passed: null, failed: null });
    } finally {
      repo.cleanup();
    }
  });
});
