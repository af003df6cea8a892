/** Summary parsers for pytest, unittest, go test, cargo test, Maven Surefire and Gradle. */
import { countsIn, findLine, type Parser, type ParserHit } from './test-parse-util.js';

const PYTEST_SUMMARY =
  /^(?:=+ )?((?:\d+ (?:passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?|rerun)(?:, )?)+|no tests ran) in [\d.]+s(?: \([\d:.]+\))?(?: =+)?$/;

const pytest: Parser = {
  name: 'pytest',
  parse(lines) {
    let passed = 0;
    let failed = 0;
    let seen = false;
    const failing: string[] = [];
    for (const line of lines) {
      const m = PYTEST_SUMMARY.exec(line.trim());
      if (m) {
        seen = true;
        const c = countsIn(m[1] ?? '');
        passed += c.passed ?? 0;
        failed += (c.failed ?? 0) + (c.error ?? 0) + (c.errors ?? 0);
        continue;
      }
      const f = /^(FAILED|ERROR) (\S*(?:\.py|::)\S*?)(?: - .*)?$/.exec(line);
      if (f) failing.push(f[2] as string);
    }
    if (!seen && !failing.length) return null;
    const at = findLine(lines, /^_{3,} .+ _{3,}$/) ?? findLine(lines, /^(FAILED|ERROR) /);
    return {
      passed: seen ? passed : null,
      failed: seen ? failed : null,
      failing,
      firstErrorAt: at,
      firstErrorLines: 40,
    };
  },
};

const unittest: Parser = {
  name: 'unittest',
  parse(lines) {
    let ran: number | null = null;
    let failed = 0;
    let skipped = 0;
    const failing: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      const r = /^Ran (\d+) tests? in [\d.]+s$/.exec(line);
      if (r) {
        ran = (ran ?? 0) + Number(r[1]);
        const status = lines.slice(i + 1, i + 4).find((l) => /^(OK|FAILED)\b/.test(l)) ?? '';
        const c = Object.fromEntries([...status.matchAll(/(\w+(?: \w+)?)=(\d+)/g)].map((x) => [x[1], Number(x[2])]));
        failed += (c.failures ?? 0) + (c.errors ?? 0) + (c['unexpected successes'] ?? 0);
        skipped += (c.skipped ?? 0) + (c['expected failures'] ?? 0);
        continue;
      }
      const f = /^(FAIL|ERROR): (\S+) \(([^)]+)\)/.exec(line);
      if (f) {
        const [name, where] = [f[2] ?? '', f[3] ?? ''];
        failing.push(where.endsWith(`.${name}`) ? where : `${where}.${name}`);
      }
    }
    if (ran === null) return null;
    const at = findLine(lines, /^(FAIL|ERROR): \S+ \(/);
    return { passed: Math.max(0, ran - failed - skipped), failed, failing, firstErrorAt: at, firstErrorLines: 30 };
  },
};

const go: Parser = {
  name: 'go',
  parse(lines) {
    const failing: string[] = [];
    let pending: string[] = [];
    let passed = 0;
    let verbose = false;
    let seen = false;
    for (const line of lines) {
      const t = /^--- (FAIL|PASS): (\S+)/.exec(line);
      if (t) {
        seen = true;
        if (t[1] === 'FAIL') pending.push(t[2] as string);
        else {
          verbose = true;
          passed++;
        }
        continue;
      }
      const pkgFail = /^FAIL\s+(\S+)\s+(?:[\d.]+s|\[(build failed|setup failed|no test files)\])\s*$/.exec(line);
      if (pkgFail) {
        seen = true;
        const pkg = pkgFail[1] as string;
        if (pkgFail[2]) failing.push(`${pkg} [${pkgFail[2]}]`);
        else if (pending.length) failing.push(...pending.map((n) => `${pkg}.${n}`));
        else failing.push(`${pkg} [package failed]`);
        pending = [];
        continue;
      }
      if (/^ok\s+\S+\s+(\(cached\)|[\d.]+s)/.test(line)) seen = true;
    }
    failing.push(...pending);
    if (!seen) return null;
    const at = findLine(lines, /^--- FAIL: /) ?? findLine(lines, /^(# \S+|FAIL\s+\S+ \[build failed\]|panic: )/);
    return { passed: verbose ? passed : null, failed: failing.length, failing, firstErrorAt: at, firstErrorLines: 25 };
  },
};

const cargo: Parser = {
  name: 'cargo',
  parse(lines) {
    let passed = 0;
    let failed = 0;
    let seen = false;
    const failing: string[] = [];
    for (const line of lines) {
      const r = /^test result: (?:ok|FAILED)\. (\d+) passed; (\d+) failed;/.exec(line);
      if (r) {
        seen = true;
        passed += Number(r[1]);
        failed += Number(r[2]);
        continue;
      }
      const f = /^test (.+?) \.\.\. FAILED$/.exec(line);
      if (f) failing.push((f[1] as string).replace(/ - should panic$/, ''));
      // cargo nextest
      const nf = /^\s*FAIL \[\s*[\d.]+s\] (.+)$/.exec(line);
      if (nf) failing.push((nf[1] as string).trim());
      const ns = /^\s*Summary \[[^\]]*\] (\d+) tests? run: (\d+) passed(?:.*?(\d+) failed)?/.exec(line);
      if (ns) {
        seen = true;
        passed += Number(ns[2]);
        failed += Number(ns[3] ?? 0);
      }
      // the target that does not build is named: a new test that does not compile is that test failing
      const c = /^error: could not compile `([^`]+)`(?: \((test|lib test|bin test|example|bench) "?([^")]*)"?\))?/.exec(
        line,
      );
      if (c) failing.push(c[2] ? `${c[2]} ${c[3] || c[1]} does not compile` : `could not compile ${c[1]}`);
    }
    if (!seen && !failing.length) return null;
    const at = findLine(lines, /^---- \S+ stdout ----$/) ?? findLine(lines, /^error(\[E\d+\])?: /);
    return {
      passed: seen ? passed : null,
      failed: seen ? Math.max(failed, failing.length) : failing.length,
      failing,
      firstErrorAt: at,
      firstErrorLines: 20,
    };
  },
};

const maven: Parser = {
  name: 'maven',
  parse(lines) {
    let seen = false;
    let passed = 0;
    let failed = 0;
    const failing: string[] = [];
    for (const line of lines) {
      const r = /^\[(?:INFO|ERROR|WARNING)\] Tests run: (\d+), Failures: (\d+), Errors: (\d+), Skipped: (\d+)\s*$/.exec(
        line,
      );
      if (r) {
        seen = true;
        const bad = Number(r[2]) + Number(r[3]);
        failed += bad;
        passed += Number(r[1]) - bad - Number(r[4]);
        continue;
      }
      const f = /^\[ERROR\] (?!Tests run:)(\S+?)(?:\s+--|\s+Time elapsed).*<<< (?:FAILURE|ERROR)!/.exec(line);
      if (f) failing.push(f[1] as string);
    }
    if (!seen) return null;
    return { passed, failed, failing, firstErrorAt: findLine(lines, /<<< (FAILURE|ERROR)!/), firstErrorLines: 20 };
  },
};

const gradle: Parser = {
  name: 'gradle',
  only: ['gradle'],
  parse(lines) {
    let summary: ParserHit | null = null;
    const failing: string[] = [];
    for (const line of lines) {
      const f = /^(\S.*?) > (.+) FAILED$/.exec(line);
      if (f) failing.push(`${f[1]} > ${f[2]}`);
      const s = /^(\d+) tests? completed, (\d+) failed(?:, (\d+) skipped)?/.exec(line);
      if (s) {
        const total = Number(s[1]);
        const bad = Number(s[2]);
        summary = { passed: total - bad - Number(s[3] ?? 0), failed: bad, failing: [], firstErrorAt: null };
      }
    }
    if (!summary && !failing.length) return null;
    return {
      passed: summary?.passed ?? null,
      failed: summary?.failed ?? failing.length,
      failing,
      firstErrorAt: findLine(lines, / FAILED$/),
      firstErrorLines: 15,
    };
  },
};

const rspec: Parser = {
  name: 'rspec',
  parse(lines) {
    let seen = false;
    let total = 0;
    let failed = 0;
    let pending = 0;
    const failing: string[] = [];
    for (const line of lines) {
      const s =
        /^(\d+) examples?, (\d+) failures?(?:, (\d+) pending)?(?:, (\d+) errors? occurred outside of examples)?/.exec(
          line,
        );
      if (s) {
        seen = true;
        total += Number(s[1]);
        failed += Number(s[2]) + Number(s[4] ?? 0);
        pending += Number(s[3] ?? 0);
        continue;
      }
      const f = /^rspec (\.\/)?(\S+?)(?::\d+|\[[\d:]+\])? # (.+)$/.exec(line);
      if (f) failing.push(`${f[2]} # ${(f[3] as string).trim()}`);
    }
    if (!seen) return null;
    return {
      passed: Math.max(0, total - failed - pending),
      failed,
      failing,
      firstErrorAt: findLine(lines, /^\s+1\) \S/),
      firstErrorLines: 25,
    };
  },
};

const minitest: Parser = {
  name: 'minitest',
  parse(lines) {
    let seen = false;
    let passed = 0;
    let failed = 0;
    const failing: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      const s = /^(\d+) (?:runs|tests), (\d+) assertions, (\d+) failures, (\d+) errors, (\d+) skips/.exec(line);
      if (s) {
        seen = true;
        const bad = Number(s[3]) + Number(s[4]);
        failed += bad;
        passed += Number(s[1]) - bad - Number(s[5]);
        continue;
      }
      if (/^\s*\d+\) (Failure|Error):\s*$/.test(line)) {
        const id = /^(\S+#\S+?)(?: \[.*\])?:?$/.exec(lines[i + 1] ?? '');
        if (id) failing.push(id[1] as string);
      }
    }
    if (!seen) return null;
    return {
      passed,
      failed,
      failing,
      firstErrorAt: findLine(lines, /^\s*\d+\) (Failure|Error):\s*$/),
      firstErrorLines: 20,
    };
  },
};

const phpunit: Parser = {
  name: 'phpunit',
  parse(lines) {
    let seen = false;
    let passed = 0;
    let failed = 0;
    const failing: string[] = [];
    for (const line of lines) {
      const ok = /^OK \((\d+) tests?, \d+ assertions?\)/.exec(line);
      if (ok) {
        seen = true;
        passed += Number(ok[1]);
        continue;
      }
      const s = /^Tests: (\d+), Assertions: \d+(.*)\.$/.exec(line);
      if (s) {
        seen = true;
        const c = Object.fromEntries([...(s[2] ?? '').matchAll(/(\w+): (\d+)/g)].map((m) => [m[1], Number(m[2])]));
        const bad = (c.Failures ?? 0) + (c.Errors ?? 0);
        failed += bad;
        passed += Number(s[1]) - bad - (c.Skipped ?? 0) - (c.Incomplete ?? 0) - (c.Risky ?? 0);
        continue;
      }
      const f = /^\d+\) ([\w\\]+::\w+)/.exec(line);
      if (f && !failing.includes(f[1] as string)) failing.push(f[1] as string);
    }
    if (!seen) return null;
    return {
      passed: Math.max(0, passed),
      failed,
      failing,
      firstErrorAt: findLine(lines, /^1\) [\w\\]+::/),
      firstErrorLines: 15,
    };
  },
};

export const OTHER_PARSERS: Parser[] = [pytest, unittest, go, cargo, maven, gradle, rspec, minitest, phpunit];
