/** Shapes and helpers shared by the output parsers. */
import type { TestRunner } from './test-types.js';

/** What one parser found; `failed` counts failing tests (and errors), `firstErrorAt` is a line index. */
export interface ParserHit {
  passed: number | null;
  failed: number | null;
  failing: string[];
  firstErrorAt: number | null;
  /** lines of context to show from firstErrorAt (default 30) */
  firstErrorLines?: number;
}

export interface Parser {
  name: string;
  /** parse only when the runner hint is one of these (default: always) */
  only?: TestRunner[];
  parse(lines: string[]): ParserHit | null;
}

/** Sum of `(\d+) word` pairs in a summary line, by word. */
export function countsIn(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/(\d+)\s+([a-z]+)/gi)) {
    const word = (m[2] ?? '').toLowerCase();
    counts[word] = (counts[word] ?? 0) + Number(m[1]);
  }
  return counts;
}

export function findLine(lines: string[], re: RegExp, from = 0): number | null {
  for (let i = from; i < lines.length; i++) if (re.test(lines[i] ?? '')) return i;
  return null;
}
