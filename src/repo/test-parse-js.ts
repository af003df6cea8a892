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
    // where each test sits in the tree printed above the summary ("▶ math" then "  ✖ adds"): leaves get paths
    const paths = new Map<string, string[]>();
    const stack: { indent: number; name: string }[] = [];
    for (let i = 0; i < (section ?? lines.length); i++) {
      const t = /^(\s*)([▶✔✖﹣]) (.+?)(?: \([\d.]+m?s\))?(?: # \w+)?$/.exec(lines[i] ?? '');
      if (!t) continue;
      const indent = (t[1] ?? '').length;
      while (stack.length && (stack[stack.length - 1]?.indent ?? 0) >= indent) stack.pop();
      const name = t[3] as string;
      if (t[2] === '▶') stack.push({ indent, name });
      else paths.set(name, [...(paths.get(name) ?? []), [...stack.map((x) => x.name), name].join(' > ')]);
    }
    const failing: string[] = [];
    for (let i = section ?? 0; i < lines.length; i++) {
      const m = /^\s*✖ (.+?) \([\d.]+m?s\)$/.exec(lines[i] ?? '');
      if (!m) continue;
      const known = paths.get(m[1] as string);
      const id = known?.length === 1 ? (known[0] as string) : (m[1] as string);
      if (!failing.includes(id) && !failing.some((f) => f.startsWith(`${id} > `))) failing.push(id);
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
    // node:test nests subtests ("# Subtest: name", indented results): a failing leaf is named with its parents
    // ("math > adds"), and a parent that failed only because a subtest did is not listed again
    const open: { indent: number; name: string }[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      const sub = /^(\s*)# Subtest: (.+?)\s*$/.exec(line);
      if (sub) {
        const indent = (sub[1] ?? '').length;
        while (open.length && (open[open.length - 1]?.indent ?? 0) >= indent) open.pop();
        open.push({ indent, name: sub[2] as string });
        continue;
      }
      const m = /^(\s*)(not ok|ok)\b\s*\d*\s*(?:- )?(.*?)\s*$/.exec(line);
      if (!m) continue;
      const indent = (m[1] ?? '').length;
      while (open.length && (open[open.length - 1]?.indent ?? 0) > indent) open.pop();
      const desc = m[3] ?? '';
      if (/#\s*(SKIP|TODO)\b/i.test(desc)) continue;
      const name = desc.replace(/\s+#.*$/, '');
      // a nested result without its own "# Subtest:" header is an assertion (node-tap), not a test
      const own = open[open.length - 1];
      if (indent > 0 && !(own && own.indent === indent && own.name === name)) continue;
      if (own && own.indent === indent) open.pop();
      const path = [...open.map((o) => o.name), name].join(' > ');
      if (m[2] === 'not ok') {
        firstAt ??= i;
        if (!failing.some((f) => f.startsWith(`${path} > `))) failing.push(path || `test ${notOk + 1}`);
      }
      if (indent > 0) continue;
      if (m[2] === 'ok') ok++;
      else notOk++;
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
    const f = findLine(lines, /^\s+\d+ (?:tests?|known failures?|uncaught exceptions?) failed\s*$/);
    const p = findLine(lines, /^\s+\d+ tests? passed\s*$/);
    if (f === null && p === null) return null;
    // every test failed: ava prints no "passed" line; count the ✔ marks instead of reading nothing as 0
    const ticks = lines.filter((l) => /^\s*✔ /.test(l)).length;
    const num = (i: number | null) => (i === null ? 0 : Number(/(\d+)/.exec(lines[i] ?? '')?.[1]));
    const failing: string[] = [];
    for (const line of lines) {
      const m =
        /^\s*[✘✖] (?:\[fail\]: )?(.+?)(?:\s{2,}.*|\s+(?:Difference|Error|Rejected|Values|Assertion|Expected|Unexpected|Promise|Function|Did not|Failed|Test finished|Timed out)\b.*)?$/.exec(
          line,
        );
      if (m && !failing.includes(m[1] as string)) failing.push(m[1] as string);
    }
    return {
      passed: p === null ? ticks : num(p),
      failed: Math.max(num(f), failing.length),
      failing,
      firstErrorAt: findLine(lines, /^\s*[✘✖] /),
      firstErrorLines: 25,
    };
  },
};

export const JS_PARSERS: Parser[] = [jest, vitest, mocha, nodeSpec, tap, batsPretty, uvu, ava];
