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

  it('runs with CI=true (what GitHub Actions sets) and no stdin', async () => {
    const repo = fixtureRepo(null);
    try {
      const r = await runTests({
        command: 'echo "CI=$CI"; cat; echo "read done"',
        cwd: repo.dir,
        runner: 'unknown',
        reason: 'test',
        source: 'flag',
      });
      expect(r.tail).toContain('CI=true');
      expect(r.tail).toContain('read done');
      expect(r).toMatchObject({ ok: true, parsedBy: 'exit-code', passed: null, failed: null });
    } finally {
      repo.cleanup();
    }
  });
});

describe('what a test run sees and leaves behind (issue 10)', () => {
  it('runs in the CI environment: CI=true, no NO_COLOR/TERM=dumb imposed, the suite env given', async () => {
    const r = fixtureRepo(null);
    try {
      const d = {
        command: 'echo "CI=$CI NO_COLOR=${NO_COLOR-unset} TERM=${TERM-unset} SUITE=$SUITE"',
        reason: 't',
        runner: 'unknown' as const,
        cwd: r.dir,
        source: 'flag' as const,
        env: { SUITE: 'unit' },
      };
      const res = await runTests(d);
      const expectedTerm = process.env.TERM ?? 'unset';
      const expectedNoColor = process.env.NO_COLOR ?? 'unset';
      expect(res.tail).toBe(`CI=true NO_COLOR=${expectedNoColor} TERM=${expectedTerm} SUITE=unit`);
    } finally {
      r.cleanup();
    }
  });

  it('puts back tracked files the test script rewrote and lists the files it created', async () => {
    const r = fixtureRepo(null);
    try {
      r.write('src/a.js', 'const a  =  1\n');
      r.write('src/b.js', 'const b = 2\n');
      const { execFileSync } = await import('node:child_process');
      execFileSync('git', ['add', '-A'], { cwd: r.dir });
      execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'x'], { cwd: r.dir });
      // the model's own uncommitted edit must survive the run untouched
      r.write('src/b.js', 'const b = 3\n');
      const d = {
        command: 'echo "const a = 1" > src/a.js && echo "formatted" >> src/b.js && echo out > report.txt',
        reason: 't',
        runner: 'unknown' as const,
        cwd: r.dir,
        source: 'flag' as const,
      };
      const res = await runTests(d);
      expect(res.treeChanges).toEqual({ restored: ['src/a.js', 'src/b.js'], created: ['report.txt'] });
      expect(readFileSync(join(r.dir, 'src/a.js'), 'utf8')).toBe('const a  =  1\n');
      expect(readFileSync(join(r.dir, 'src/b.js'), 'utf8')).toBe('const b = 3\n');
      expect(execFileSync('git', ['diff', '--cached', '--name-only'], { cwd: r.dir, encoding: 'utf8' })).toBe('');
    } finally {
      r.cleanup();
    }
  });
});
