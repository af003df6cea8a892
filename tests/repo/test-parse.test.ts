import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTestOutput } from '../../src/repo/test-parse.js';
import type { TestRunner } from '../../src/repo/test-types.js';

const OUT = join(import.meta.dirname, '..', 'fixtures', 'tests', 'outputs');
const read = (name: string) => readFileSync(join(OUT, name), 'utf8');

// real outputs captured from each runner on the fixture repos in their failing state (add() subtracts)
const CASES: [string, TestRunner, number | null, number, string[], RegExp][] = [
  ['vitest.txt', 'vitest', 1, 1, ['test/calc.test.js > calc > adds'], /expected -1 to be 5/],
  ['jest.txt', 'jest', 1, 1, ['test/calc.test.js › calc › adds'], /Received: -1/],
  ['mocha.txt', 'mocha', 1, 1, ['calc adds'], /AssertionError/],
  ['nodetest.txt', 'node-test', 1, 1, ['adds'], /not ok 1 - adds/],
  ['node-spec.txt', 'node-test', 1, 1, ['adds'], /-1 !== 5/],
  ['uvu.txt', 'uvu', 1, 1, ['breaks'], /Expected values to be strictly equal/],
  ['pytest.txt', 'pytest', 1, 1, ['tests/test_calc.py::test_adds'], /assert -1 == 5/],
  ['pytest-collect.txt', 'pytest', 0, 1, ['tests/test_broken.py'], /nonexistent_mod|ERROR/],
  ['unittest.txt', 'unittest', 1, 1, ['tests.test_calc.CalcTest.test_adds'], /AssertionError: -1 != 5/],
  ['go.txt', 'go', null, 1, ['example.com/calc.TestAdd'], /calc_test.go:7/],
  ['go-build.txt', 'go', null, 1, ['example.com/calc [build failed]'], /broken.go:2:28/],
  ['cargo.txt', 'cargo', 1, 1, ['tests::adds'], /src\/lib.rs:11:9/],
  ['bats.txt', 'bats', 1, 1, ['adds'], /calc.bats, line 5/],
  ['maven.txt', 'maven', 1, 1, ['com.example.CalcTest.adds'], /expected: <5>/],
  ['gradle.txt', 'gradle', 1, 1, ['CalcTest > adds()'], /adds\(\) FAILED/],
  ['ava.txt', 'ava', 1, 1, ['adds'], /adds/],
  ['tap.txt', 'tap', 1, 1, ['test/calc.test.js > adds'], /not ok 1 - adds/],
  // issue 10: subtests named under their parent, ava's ✖ mark (no "passed" line when only one passed), CTest,
  // a Rust test binary that crashed (the only summary was the empty unit harness) and a test that does not compile
  ['node-subtests.txt', 'node-test', 2, 2, ['math > adds'], /2 !== 3/],
  ['node-spec-subtests.txt', 'node-test', 2, 2, ['math > adds'], /2 !== 3/],
  ['ava-cross.txt', 'ava', 1, 1, ['adds'], /✖ adds/],
  ['ctest.txt', 'make', 1, 1, ['adds'], /Test #1: adds .*\*\*\*Failed/],
  ['cargo-crash.txt', 'cargo', 0, 1, ['very_deep (crashed: stack overflow)'], /has overflowed its stack/],
  ['cargo-build.txt', 'cargo', null, 1, ['test newapi does not compile'], /cannot find function `half`/],
  // hand-written in each runner's documented format (Ruby and PHP are not installed here)
  ['rspec.txt', 'rspec', 1, 1, ['spec/calc_spec.rb # Calc adds'], /expected: 5/],
  ['minitest.txt', 'minitest', 1, 1, ['CalcTest#test_adds'], /test\/calc_test.rb:6/],
  ['phpunit.txt', 'phpunit', 1, 1, ['CalcTest::testAdds'], /CalcTest.php:9|matches expected 5/],
];

describe('parseTestOutput on real runner outputs', () => {
  it.each(CASES)('%s', (file, runner, passed, failed, failing, firstError) => {
    const parsed = parseTestOutput(read(file), runner);
    expect(parsed.passed).toBe(passed);
    expect(parsed.failed).toBe(failed);
    expect(parsed.failing).toEqual(failing);
    expect(parsed.firstError).toMatch(firstError);
  });

  it('finds the same results without a runner hint', () => {
    for (const [file, , passed, failed, failing] of CASES) {
      if (file === 'gradle.txt') continue; // gradle lines are too generic to read without the hint
      const parsed = parseTestOutput(read(file), 'unknown');
      expect({ file, passed: parsed.passed, failed: parsed.failed, failing: parsed.failing }).toEqual({
        file,
        passed,
        failed,
        failing,
      });
    }
  });

  it('names a jest suite that failed to run', () => {
    const parsed = parseTestOutput(read('jest-suite.txt'), 'jest');
    expect(parsed.failing).toContain('test/broken.test.js (suite failed to run)');
    expect(parsed.failed).toBeGreaterThanOrEqual(2);
  });

  it('names a vitest file that failed to load', () => {
    expect(parseTestOutput(read('vitest-suite.txt'), 'vitest')).toMatchObject({
      passed: 2,
      failed: 1,
      failing: ['test/broken.test.js'],
    });
  });

  it('reads cargo doc tests and nextest', () => {
    expect(
      parseTestOutput(
        'test src/lib.rs - add (line 3) ... FAILED\ntest result: FAILED. 0 passed; 1 failed; 0 ignored;',
        'cargo',
      ).failing,
    ).toEqual(['src/lib.rs - add (line 3)']);
    const nextest =
      '        FAIL [   0.004s] fx_calc tests::adds\n     Summary [   0.010s] 2 tests run: 1 passed, 1 failed, 0 skipped';
    expect(parseTestOutput(nextest, 'cargo')).toMatchObject({ passed: 1, failed: 1, failing: ['fx_calc tests::adds'] });
  });

  it('recognises nothing in plain output (exit code decides)', () => {
    const parsed = parseTestOutput(read('make.txt'), 'make');
    expect(parsed).toMatchObject({ passed: null, failed: null, failing: [], recognisedBy: [] });
  });

  it('sums summaries when several runs share one output', () => {
    const text = `${read('pytest.txt')}\n${read('pytest.txt').replace('test_adds -', 'test_other -')}`;
    const parsed = parseTestOutput(text, 'pytest');
    expect(parsed.passed).toBe(2);
    expect(parsed.failed).toBe(2);
    expect(parsed.failing).toEqual(['tests/test_calc.py::test_adds', 'tests/test_calc.py::test_other']);
  });

  it('reads passing summaries', () => {
    expect(parseTestOutput('========== 12 passed, 1 skipped in 0.40s ==========', 'pytest')).toMatchObject({
      passed: 12,
      failed: 0,
    });
    expect(parseTestOutput('12 passed in 0.40s', 'pytest')).toMatchObject({ passed: 12, failed: 0 });
    expect(parseTestOutput('Ran 4 tests in 0.001s\n\nOK (skipped=1)', 'unittest')).toMatchObject({
      passed: 3,
      failed: 0,
    });
    expect(parseTestOutput('ok  \texample.com/calc\t0.002s', 'go')).toMatchObject({ failed: 0, failing: [] });
    expect(
      parseTestOutput('test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out', 'cargo'),
    ).toMatchObject({ passed: 3, failed: 0 });
    expect(parseTestOutput('Tests:       4 passed, 4 total', 'jest')).toMatchObject({ passed: 4, failed: 0 });
    expect(parseTestOutput('      Tests  4 passed (4)', 'vitest')).toMatchObject({ passed: 4, failed: 0 });
  });
});

describe('failure details by test', () => {
  it.each([
    ['pytest.txt', 'tests/test_calc.py::test_adds', /^_+ test_adds _+\n[\s\S]*assert -1 == 5/],
    ['jest.txt', 'test/calc.test.js › calc › adds', /^\s*● calc › adds[\s\S]*Received: -1/],
    ['vitest.txt', 'test/calc.test.js > calc > adds', /^ FAIL {2}test\/calc.test.js > calc > adds\nAssertionError/],
    ['go.txt', 'example.com/calc.TestAdd', /^--- FAIL: TestAdd[\s\S]*calc_test.go:7/],
    ['cargo.txt', 'tests::adds', /^---- tests::adds stdout ----[\s\S]*src\/lib.rs:11:9/],
    ['unittest.txt', 'tests.test_calc.CalcTest.test_adds', /^FAIL: test_adds[\s\S]*AssertionError/],
    ['nodetest.txt', 'adds', /^not ok 1 - adds[\s\S]*-1 !== 5/],
  ])('%s: %s', (file, id, re) => {
    expect(parseTestOutput(read(file), 'unknown').details[id]).toMatch(re);
  });
});
