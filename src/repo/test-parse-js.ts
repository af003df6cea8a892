/** Summary parsers for the JavaScript runners (jest, vitest, mocha, node:test, ava, uvu) and TAP (tape, tap, bats, node:test). */
import { countsIn, findLine, type Parser } from './test-parse-util.js';

const jest: Parser = {
  name: 'jest',
  parse(lines) {
    let seen = false;
    let passed = 0;
    let failed = 0;
    const failing: string[] = [];
    let file = '';
    for (const line of lines) {
      const s = /^Tests:\s+(.*\d+ total)\s*$/.exec(line);
      if (s) {
        seen = true;
        const c = countsIn(s[1] ?? '');
        passed += c.passed ?? 0;
        failed += c.failed ?? 0;
        continue;
      }
      const f = /^FAIL\s+(\S+)/.exec(line);
      if (f) file = f[1] as string;
      const b = /^\s*● (.+)$/.exec(line);
      if (b && !/^Console\b/.test(b[1] ?? '')) {
        const name = (b[1] as string).trim();
        failing.push(
          name === 'Test suite failed to run'
            ? `${file || 'a test file'} (suite failed to run)`
            : file
              ? `${file} › ${name}`
              : name,
        );
      }
    }
    if (!seen) return null;
    const at = findLine(lines, /^\s*● (?!Console)/);
    return {
      passed,
      failed: Math.max(failed, failing.filter((f) => f.endsWith('(suite failed to run)')).length),
      failing,
      firstErrorAt: at,
      firstErrorLines: 30,
    };
  },
};

const vitest: Parser = {
  name: 'vitest',
  parse(lines) {
    let seen = false;
    let passed = 0;
    let failed = 0;
    let fileErrors = 0;
    const failing: string[] = [];
    for (const line of lines) {
      const s = /^\s+Tests\s{2,}(.+)\((\d+)\)\s*$/.exec(line);
      if (s) {
        seen = true;
        const c = countsIn(s[1] ?? '');
        passed += c.passed ?? 0;
        failed += c.failed ?? 0;
        continue;
      }
      const files = /^\s+Test Files\s{2,}(.+)\((\d+)\)\s*$/.exec(line);
      if (files) seen = true;
      const errors = /^\s+Errors\s{2,}(\d+) errors?/.exec(line);
      if (errors) fileErrors += Number(errors[1]);
      const f = /^\s*FAIL\s+(.+?)\s*$/.exec(line);
      if (f) {
        const id = (f[1] as string).replace(/\s+\[\s*[^\]]+\]$/, '').replace(/\s+\d+ms$/, '');
        failing.push(id);
      }
    }
    if (!seen) return null;
    const at = findLine(lines, /^\s*FAIL\s+\S/);
    return {
      passed,
      failed: Math.max(failed + fileErrors, failing.length ? 1 : 0),
      failing,
      firstErrorAt: at,
      firstErrorLines: 30,
    };
  },
};

const mocha: Parser = {
  name: 'mocha',
  parse(lines) {
    const p = findLine(lines, /^\s+\d+ passing \(/);
    const fl = findLine(lines, /^\s+\d+ failing$/);
    if (p === null && fl === null) return null;
    const passed = p === null ? 0 : Number(/(\d+)/.exec(lines[p] ?? '')?.[1]);
    const failed = fl === null ? 0 : Number(/(\d+)/.exec(lines[fl] ?? '')?.[1]);
    const failing: string[] = [];
    let firstAt: number | null = null;
    if (fl !== null) {
      for (let i = fl + 1; i < lines.length; i++) {
        const m = /^(\s+)(\d+)\) (.*)$/.exec(lines[i] ?? '');
        if (!m) continue;
        firstAt ??= i;
        // title parts continue on more-indented lines until one ends with ':'
        const parts = [(m[3] ?? '').trim()];
        let j = i;
        while (!parts[parts.length - 1]?.endsWith(':') && j + 1 < lines.length && j < i + 6) {
          const next = (lines[++j] ?? '').trim();
          if (!next) break;
          parts.push(next);
        }
        failing.push(parts.join(' ').replace(/:$/, ''));
        i = j;
      }
    }
    return { passed, failed, failing, firstErrorAt: firstAt, firstErrorLines: 25 };
  },
};

/** node:test's spec reporter: "ℹ tests 3 / ℹ pass 2 / ℹ fail 1", failures marked ✖. */
const nodeSpec: Parser = {
  name: 'node-test',
  parse(lines) {
    const get = (word: string) => {
      const i = findLine(lines, new RegExp(`^ℹ ${word} \\d+$`));
      return i === null ? null : Number(/(\d+)$/.exec(lines[i] ?? '')?.[1]);
    };
    const pass = get('pass');
    const fail = get('fail');
    if (pass === null || fail === null) return null;
    const section = findLine(lines, /^✖ failing tests:/);
    const failing: string[] = [];
    for (let i = section ?? 0; i < lines.length; i++) {
      const m = /^\s*✖ (.+?) \([\d.]+m?s\)$/.exec(lines[i] ?? '');
      if (m && !failing.includes(m[1] as string)) failing.push(m[1] as string);
    }
    return {
      passed: pass,
      failed: fail,
      failing,
      firstErrorAt: section !== null ? section + 1 : findLine(lines, /^\s*✖ /),
      firstErrorLines: 25,
    };
  },
};

/** TAP: node:test (Node 20 without a TTY), tape, node-tap, bats. Uses `# pass/# fail` when printed. */
const tap: Parser = {
  name: 'tap',
  parse(lines) {
    if (findLine(lines, /^\s*1\.\.\d+/) === null && findLine(lines, /^TAP version/) === null) return null;
    let ok = 0;
    let notOk = 0;
    const failing: string[] = [];
    let firstAt: number | null = null;
    for (let i = 0; i < lines.length; i++) {
      const m = /^(\s*)(not ok|ok)\b\s*\d*\s*(?:- )?(.*?)\s*$/.exec(lines[i] ?? '');
      if (!m || (m[1] ?? '').length > 0) continue;
      const desc = m[3] ?? '';
      if (/#\s*(SKIP|TODO)\b/i.test(desc)) continue;
      if (m[2] === 'ok') ok++;
      else {
        notOk++;
        firstAt ??= i;
        failing.push(desc.replace(/\s+#.*$/, '') || `test ${notOk}`);
      }
    }
    const summary = (word: string) => {
      const i = findLine(lines, new RegExp(`^# ${word}\\s+\\d+\\s*$`));
      return i === null ? null : Number(/(\d+)/.exec(lines[i] ?? '')?.[1]);
    };
    if (ok + notOk === 0 && summary('pass') === null) return null;
    return {
      passed: summary('pass') ?? ok,
      failed: summary('fail') ?? notOk,
      failing,
      firstErrorAt: firstAt,
      firstErrorLines: 25,
    };
  },
};

/** bats' pretty formatter ("3 tests, 1 failure"), used on a terminal. */
const batsPretty: Parser = {
  name: 'bats',
  parse(lines) {
    const i = findLine(lines, /^\d+ tests?, \d+ failures?/);
    if (i === null) return null;
    const c = countsIn(lines[i] ?? '');
    const total = c.tests ?? c.test ?? 0;
    const failed = c.failures ?? c.failure ?? 0;
    const failing: string[] = [];
    for (const line of lines) {
      const m = /^\s*✗ (.+)$/.exec(line);
      if (m) failing.push((m[1] as string).trim());
    }
    return {
      passed: total - failed - (c.skipped ?? 0),
      failed,
      failing,
      firstErrorAt: findLine(lines, /^\s*✗ /),
      firstErrorLines: 15,
    };
  },
};

const uvu: Parser = {
  name: 'uvu',
  parse(lines) {
    const t = findLine(lines, /^\s+Total:\s+\d+$/);
    const p = findLine(lines, /^\s+Passed:\s+\d+$/);
    if (t === null || p === null) return null;
    const total = Number(/(\d+)/.exec(lines[t] ?? '')?.[1]);
    const passed = Number(/(\d+)/.exec(lines[p] ?? '')?.[1]);
    const s = findLine(lines, /^\s+Skipped:\s+\d+$/);
    const skipped = s === null ? 0 : Number(/(\d+)/.exec(lines[s] ?? '')?.[1]);
    const failing: string[] = [];
    for (const line of lines) {
      const m = /^\s+FAIL\s+(.*?)\s*"(.+)"\s*$/.exec(line);
      if (m) failing.push(m[1] ? `${m[1]} › ${m[2]}` : (m[2] as string));
    }
    return {
      passed,
      failed: Math.max(0, total - passed - skipped),
      failing,
      firstErrorAt: findLine(lines, /^\s+FAIL\s+/),
      firstErrorLines: 15,
    };
  },
};

const ava: Parser = {
  name: 'ava',
  parse(lines) {
    const f = findLine(lines, /^\s+\d+ tests? failed\s*$/);
    const p = findLine(lines, /^\s+\d+ tests? passed\s*$/);
    if (f === null && p === null) return null;
    const num = (i: number | null) => (i === null ? 0 : Number(/(\d+)/.exec(lines[i] ?? '')?.[1]));
    const failing: string[] = [];
    for (const line of lines) {
      const m =
        /^\s*✘ (?:\[fail\]: )?(.+?)(?:\s{2,}.*|\s+(?:Difference|Error|Rejected|Values|Assertion|Expected|Unexpected|Promise|Function|Did not|Failed|Test finished|Timed out)\b.*)?$/.exec(
          line,
        );
      if (m && !failing.includes(m[1] as string)) failing.push(m[1] as string);
    }
    return { passed: num(p), failed: num(f), failing, firstErrorAt: findLine(lines, /^\s*✘ /), firstErrorLines: 25 };
  },
};

export const JS_PARSERS: Parser[] = [jest, vitest, mocha, nodeSpec, tap, batsPretty, uvu, ava];
