import { describe, expect, it } from 'vitest';
import { cleanOutput, colorDiff, formatItem, tailRows, wrapRows } from '../../src/ui/format.js';
import { inputRows, liveBudget, liveRows, statusText } from '../../src/ui/layout.js';
import { initialInput } from '../../src/ui/input-state.js';
import { preloadHighlighter, renderMarkdown } from '../../src/ui/markdown.js';
import { initialState } from '../../src/ui/transcript.js';

const plain = { color: false };
const color = { color: true };
const ESC = '\x1b';

describe('markdown', () => {
  const md = '# Title\n\nSome **bold** and `code`.\n\n- one\n- two\n\n1. first\n\n```ts\nconst x = 1;\n```\n\n> quoted';
  it('renders headings, lists, code and quotes as plain text with NO_COLOR', () => {
    const out = renderMarkdown(md, plain);
    expect(out).not.toContain(ESC);
    expect(out).toContain('Title');
    expect(out).toContain('• one');
    expect(out).toContain('1. first');
    expect(out).toContain('  const x = 1;');
    expect(out).toContain('│ quoted');
  });
  it('colors and highlights code once the highlighter has loaded', async () => {
    await preloadHighlighter();
    const out = renderMarkdown(md, color);
    expect(out).toContain(`${ESC}[1m`);
    expect(out).toMatch(/const.*x/);
    expect(out).toContain(ESC);
  });
});

describe('items', () => {
  it('colors diffs and folds long tool output', () => {
    expect(colorDiff('-old\n+new', color)).toBe(`${ESC}[31m-old${ESC}[39m\n${ESC}[32m+new${ESC}[39m`);
    const out = Array.from({ length: 20 }, (_, i) => `out ${i}`).join('\n');
    const card = formatItem(
      {
        kind: 'tool',
        id: 1,
        callId: 'c',
        name: 'shell',
        title: 'make',
        result: { isError: false, text: out, exitCode: 0, durationMs: 1500 },
      },
      plain,
      80,
    );
    expect(card.split('\n')[0]).toBe('✓ shell make · exit 0 · 1.5s');
    expect(card).toContain('out 5');
    expect(card).not.toContain('out 6');
    expect(card).toContain('14 more lines (Ctrl-O to expand)');
    const expanded = formatItem(
      {
        kind: 'tool',
        id: 2,
        callId: 'c',
        name: 'shell',
        title: 'make',
        expanded: true,
        result: { isError: false, text: out, durationMs: 1 },
      },
      plain,
      80,
    );
    expect(expanded).toContain('out 19');
  });
  it('dims and folds think notes', () => {
    const t = formatItem({ kind: 'thought', id: 1, text: 'a\nb\nc\nd', source: 'think' }, color, 80);
    expect(t).toContain(`${ESC}[2m`);
    expect(t).toContain('2 more lines');
  });
  it('shows verify results as a pass/fail line with the failing tests', () => {
    const outcome = {
      command: 'npm test',
      ok: false,
      passed: 3,
      failed: 2,
      new_failures: ['adds numbers', 'parses input'],
      preexisting: [],
      duration_ms: 900,
      output_file: null,
      summary: '3 passed, 2 failed (2 new)',
    };
    const failed = formatItem({ kind: 'verify', id: 1, round: 1, outcome }, plain, 80);
    expect(failed.split('\n')).toEqual([
      '✗ tests npm test · 3 passed, 2 failed (2 new) · 900ms',
      '  ✗ adds numbers',
      '  ✗ parses input',
    ]);
    const passed = formatItem(
      {
        kind: 'verify',
        id: 2,
        round: 2,
        outcome: { ...outcome, ok: true, failed: 0, new_failures: [], summary: '5 passed' },
      },
      plain,
      80,
    );
    expect(passed).toBe('✓ tests npm test · 5 passed · 900ms');
    const skipped = formatItem(
      {
        kind: 'verify',
        id: 3,
        round: 1,
        outcome: { ...outcome, ok: true, command: null, skipped_reason: 'no test command found' },
      },
      plain,
      80,
    );
    expect(skipped).toContain('○ tests');
    expect(skipped).toContain('no test command found');
  });
  it('strips control sequences and carriage-return overwrites from output', () => {
    expect(cleanOutput(`${ESC}[31mred${ESC}[0m\nprogress 10%\rprogress 100%\r\n`)).toBe('red\nprogress 100%\n');
  });
});

describe('live frame', () => {
  it('wraps and tails text to a fixed number of rows', () => {
    expect(wrapRows('abcdef', 4)).toEqual(['abcd', 'ef']);
    const long = Array.from({ length: 500 }, (_, i) => `row ${i} ${'x'.repeat(150)}`).join('\n');
    const rows = tailRows(long, 60, 10);
    expect(rows).toHaveLength(10);
    expect(rows.every((r) => r.length <= 60)).toBe(true);
    expect(rows.at(-1)).toContain('x');
  });
  it('never exceeds its budget, whatever is running', () => {
    const s = initialState();
    const tools = Array.from({ length: 8 }, (_, i) => ({
      callId: `c${i}`,
      name: 'shell',
      title: `cmd ${i}`,
      tail: 'a\n'.repeat(50),
      lines: 50,
      started: 0,
    }));
    for (const budget of [0, 1, 5, 20]) {
      const rows = liveRows({ ...s, streaming: 'text\n'.repeat(300), tools }, 100, budget, plain, 0, 10);
      expect(rows.length).toBeLessThanOrEqual(budget);
    }
    expect(liveBudget(30, 4)).toBe(24);
    expect(liveBudget(3, 4)).toBe(0);
  });
  it('status line shows model, step, tokens, context and activity; short at 60 columns', () => {
    const st = {
      ...initialState({ model: 'gpt-x', contextTokens: 100_000 }).status,
      running: true,
      step: 3,
      lastInput: 25_000,
      runStarted: 0,
      activity: 'shell npm test',
    };
    st.total = { input_tokens: 25_000, output_tokens: 1200, cached_tokens: 20_000, reasoning_tokens: 0 };
    const line = statusText(st, plain, 0, 65_000, 100);
    expect(line).toContain('shell npm test');
    expect(line).toContain('gpt-x · step 3 · ↑25.0k ↓1.2k (20.0k cached) · ctx 25% · 1m05s');
    expect(statusText(st, plain, 0, 0, 59)).not.toContain('gpt-x');
    // a cost estimate when pricing is known: 5k uncached in at $2, 20k cached at $0.5, 1.2k out at $8 per million
    const priced = statusText({ ...st, pricing: { input: 2, cachedInput: 0.5, output: 8 } }, plain, 0, 65_000, 120);
    expect(priced).toContain('· ~$0.030 ·');
  });
  it('input rows wrap long lines and keep the cursor in view', () => {
    const s = { ...initialInput(), text: 'x'.repeat(300), cursor: 300 };
    const rows = inputRows(s, 60, plain, 4);
    expect(rows.length).toBeLessThanOrEqual(4);
    expect(rows.at(-1)).toContain('\x1b[7m \x1b[27m');
  });
});
