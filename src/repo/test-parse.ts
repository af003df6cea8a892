/**
 * Reading a test run's output: pass/fail counts, failing test ids and the first failure's details, from the
 * summaries the common runners print (pytest, unittest, jest, vitest, mocha, node:test, TAP/bats, uvu, ava, go,
 * cargo, Maven, Gradle, CTest; a crashed or non-compiling Rust test target). Every parser looks for its runner's own summary shape; outputs that several runners
 * wrote (`npm test` in a monorepo, `make test`) are summed. Nothing recognised: counts stay null and the caller
 * falls back to the exit code, never to a guess.
 */
import type { Parser, ParserHit } from './test-parse-util.js';
import { BUILD_PARSERS } from './test-parse-build.js';
import { JS_PARSERS } from './test-parse-js.js';
import { OTHER_PARSERS } from './test-parse-other.js';
import type { TestRunner } from './test-types.js';

export interface ParsedTests {
  passed: number | null;
  failed: number | null;
  failing: string[];
  firstError: string | null;
  /** names of the parsers that recognised something */
  recognisedBy: string[];
  /** the details block of each of the first failing tests, when its header could be found */
  details: Record<string, string>;
}

const PARSERS: Parser[] = [...OTHER_PARSERS, ...JS_PARSERS, ...BUILD_PARSERS];

export function parseTestOutput(output: string, runner: TestRunner = 'unknown'): ParsedTests {
  const lines = output.replace(/\r\n?/g, '\n').split('\n');
  const result: ParsedTests = {
    passed: null,
    failed: null,
    failing: [],
    firstError: null,
    recognisedBy: [],
    details: {},
  };
  let firstAt: { at: number; count: number } | null = null;
  for (const parser of PARSERS) {
    if (parser.only && !parser.only.includes(runner) && runner !== 'unknown' && runner !== 'make') continue;
    let hit: ParserHit | null = null;
    try {
      hit = parser.parse(lines);
    } catch {
      hit = null;
    }
    if (!hit) continue;
    result.recognisedBy.push(parser.name);
    if (hit.passed !== null) result.passed = (result.passed ?? 0) + hit.passed;
    if (hit.failed !== null) result.failed = (result.failed ?? 0) + hit.failed;
    for (const id of hit.failing) if (!result.failing.includes(id)) result.failing.push(id);
    if (hit.firstErrorAt !== null && (!firstAt || hit.firstErrorAt < firstAt.at)) {
      firstAt = { at: hit.firstErrorAt, count: hit.firstErrorLines ?? 30 };
    }
  }
  if (
    result.failing.length &&
    (result.failed === null || result.failed < result.failing.length) &&
    result.recognisedBy.length
  ) {
    // ids found but no count (e.g. go without -v): the ids are the count
    result.failed = Math.max(result.failed ?? 0, result.failing.length);
  }
  if (firstAt) result.firstError = trimBlock(lines.slice(firstAt.at, firstAt.at + firstAt.count));
  for (const id of result.failing.slice(0, 10)) {
    const at = detailHeader(lines, id);
    if (at !== null) result.details[id] = trimBlock(lines.slice(at, at + (firstAt?.count ?? 30)));
  }
  return result;
}

const HEADER = /^\s*(not ok\b|FAIL\b|ERROR\b|●|_{3,} |-{3,} |--- FAIL: |✖ |✘ |×|✗ |\d+\) )/;

/** The line where a failing test's details start: a runner's failure header naming the test's last segment. */
function detailHeader(lines: string[], id: string): number | null {
  const last = id
    .split(/::| › | > |\.(?=[^.]*$)|\//)
    .pop()
    ?.trim();
  if (!last || last.length < 2) return null;
  const escaped = last.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`${escaped}(?:$|\\s+\\(|\\s+_|\\s+stdout|\\s+\\[|:|\\s+#)`);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (HEADER.test(line) && re.test(line)) return i;
  }
  return null;
}

function trimBlock(block: string[]): string {
  const out = block.map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l));
  while (out.length && out[out.length - 1]?.trim() === '') out.pop();
  return out.join('\n');
}
