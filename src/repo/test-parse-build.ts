/**
 * Parsers for what goes wrong around the tests rather than in them, and for CTest: a Rust test binary that
 * crashed (stack overflow, abort) is a failure, named, never "0 tests" (a target that does not compile is read
 * by the cargo parser);
 * CTest's "N% tests passed, M tests failed out of T" and its list of failed tests.
 */
import { findLine, type Parser } from './test-parse-util.js';

const cargoBroken: Parser = {
  name: 'cargo-broken',
  only: ['cargo'],
  parse(lines) {
    const failing: string[] = [];
    let firstAt: number | null = null;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      // "thread 'very_deep' (123) has overflowed its stack"; parallel tests may split the line before the name
      const overflow = /(?:thread '|^)([\w:]+)' (?:\(\d+\) )?has overflowed its stack/.exec(line);
      if (overflow) {
        failing.push(`${overflow[1]} (crashed: stack overflow)`);
        firstAt ??= i;
      }
      // the binary died without a test result: `--test deep` (signal: 6, SIGABRT)
      const died = /^error: test failed, to rerun pass `([^`]+)`/.exec(line);
      if (died) {
        const why = lines.slice(i + 1, i + 5).join(' ');
        const signal = /\(signal: (\d+)(?:, (\w+))?/.exec(why);
        if (signal) {
          const id = `test binary ${died[1]} crashed (${signal[2] ?? `signal ${signal[1]}`})`;
          if (!failing.some((f) => f.endsWith('(crashed: stack overflow)'))) failing.push(id);
          firstAt ??= i;
        }
      }
    }
    if (!failing.length) return null;
    return { passed: null, failed: failing.length, failing, firstErrorAt: firstAt, firstErrorLines: 20 };
  },
};

const ctest: Parser = {
  name: 'ctest',
  only: ['make', 'ctest'],
  parse(lines) {
    const at = findLine(lines, /^\d+% tests passed, \d+ tests? failed out of \d+/);
    if (at === null) {
      const none = findLine(lines, /^No tests were found!!!/);
      return none === null ? null : { passed: 0, failed: 0, failing: [], firstErrorAt: null };
    }
    const m = /^\d+% tests passed, (\d+) tests? failed out of (\d+)/.exec(lines[at] ?? '');
    const failed = Number(m?.[1]);
    const total = Number(m?.[2]);
    const failing: string[] = [];
    const list = findLine(lines, /^The following tests FAILED:/, at);
    if (list !== null) {
      for (let i = list + 1; i < lines.length; i++) {
        const f = /^\s+\d+ - (.+?) \(([^)]+)\)\s*$/.exec(lines[i] ?? '');
        if (!f) break;
        failing.push(f[1] as string);
      }
    }
    const firstFail = findLine(lines, /\*\*\*(Failed|Exception|Timeout)|\*\*\*Not Run|SEGFAULT/);
    return { passed: total - failed, failed, failing, firstErrorAt: firstFail, firstErrorLines: 15 };
  },
};

export const BUILD_PARSERS: Parser[] = [cargoBroken, ctest];
