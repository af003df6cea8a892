import { describe, expect, it } from 'vitest';
import { tailRows, wrapRows } from '../../src/ui/format.js';
import { initialInput, inputReducer, type InputState } from '../../src/ui/input-state.js';
import { inputRows, liveRows } from '../../src/ui/layout.js';
import { renderMarkdown, type Style } from '../../src/ui/markdown.js';
import { initialState } from '../../src/ui/transcript.js';
import { displayWidth, splitByWidth, truncateWidth, wrapByWidth } from '../../src/ui/text-width.js';

const plain: Style = { color: false };
const CJK = '这是一个很长的回答用来测试终端里的中文换行是否按照显示宽度正确处理';
const EMOJI = '🎉🚀🏁🙂';
const FAMILY = '👨‍👩‍👧';
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('wrapping by display width', () => {
  it('CJK and emoji fill two columns, combining marks and joiners none', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('中文')).toBe(4);
    expect(displayWidth(EMOJI)).toBe(8);
    expect(displayWidth(FAMILY)).toBe(2);
    expect(displayWidth('e\u0301')).toBe(1);
  });

  it('hard-wraps into rows of at most the width, never splitting a grapheme, losing nothing', () => {
    const text = `${CJK}${EMOJI}${FAMILY}ascii e\u0301 ${CJK}`;
    for (const width of [1, 2, 3, 7, 20, 59, 60]) {
      const rows = splitByWidth(text, width);
      expect(rows.map((r) => r.text).join('')).toBe(text);
      expect(rows.every((r) => displayWidth(r.text) <= Math.max(width, 2))).toBe(true);
      for (const r of rows) expect(text.slice(r.start, r.end)).toBe(r.text);
    }
    expect(splitByWidth('ab🎉c', 3).map((r) => r.text)).toEqual(['ab', '🎉c']);
    expect(splitByWidth('', 5)).toEqual([{ text: '', start: 0, end: 0 }]);
    expect(wrapRows(`${CJK}\n\nabc`, 10).every((r) => displayWidth(r) <= 10)).toBe(true);
    expect(wrapRows('中文中文中', 4)).toEqual(['中文', '中文', '中']);
  });

  it('word-wraps prose (with escape sequences) within the width', () => {
    const text = `\x1b[1mbold\x1b[22m words and ${CJK}${EMOJI} and averyveryverylongwordthatmustbebroken`;
    for (const width of [10, 33, 60]) {
      const rows = wrapByWidth(text, width);
      expect(rows.every((r) => displayWidth(r) <= width)).toBe(true);
      expect(strip(rows.join('')).replace(/\s/g, '')).toBe(strip(text).replace(/\s/g, ''));
    }
  });

  it('cuts to a width with an ellipsis', () => {
    expect(truncateWidth('中文中文', 5)).toBe('中文…');
    expect(truncateWidth('abc', 3)).toBe('abc');
    expect(displayWidth(truncateWidth(CJK, 21))).toBeLessThanOrEqual(21);
  });

  it('the tail of streamed CJK text and tool output fits a 60-column terminal', () => {
    const rows = tailRows(`${CJK}${EMOJI}`.repeat(20), 59, 6);
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => displayWidth(r) <= 59)).toBe(true);
    const live = liveRows(
      {
        ...initialState(),
        streaming: `${CJK} ${EMOJI} `.repeat(10),
        tools: [{ callId: 'c', name: 'shell', title: 'cat', tail: `${CJK}\n`.repeat(9), lines: 9, started: 0 }],
      },
      60,
      12,
      plain,
      0,
      0,
    );
    expect(live.length).toBeGreaterThan(6);
    expect(live.every((r) => displayWidth(r) <= 60)).toBe(true);
  });

  it('the prompt wraps CJK and emoji at 60 columns with every character shown and the cursor in place', () => {
    const text = `${CJK}${EMOJI}${CJK}`;
    const s: InputState = { ...initialInput(), text, cursor: text.length };
    const rows = inputRows(s, 60, plain, 6);
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.every((r) => displayWidth(r) <= 60)).toBe(true);
    expect(
      rows
        .map((r) => strip(r).slice(2))
        .join('')
        .trimEnd(),
    ).toBe(text);
    // the cursor on a two-column character covers all of it
    const onEmoji = inputRows({ ...s, cursor: CJK.length }, 60, plain, 6).join('\n');
    expect(onEmoji).toContain('\x1b[7m🎉\x1b[27m');
  });
});

describe('finished answers (markdown) wrap by display width', () => {
  it('paragraphs and list items fit the width; list continuations hang under the text', () => {
    const md = `# 标题 ${CJK}\n\n${CJK}${EMOJI} plain words **bold ${CJK}**\n\n- ${CJK}${EMOJI}\n12. ${CJK}\n\n> ${CJK}`;
    for (const width of [30, 60]) {
      const lines = renderMarkdown(md, plain, width).split('\n');
      expect(lines.every((l) => displayWidth(l) <= width)).toBe(true);
      const bullet = lines.findIndex((l) => l.startsWith('• '));
      expect(lines[bullet + 1]?.startsWith('  ')).toBe(true);
      expect(lines[bullet + 1]?.trim()).not.toBe('');
      const ordered = lines.findIndex((l) => l.startsWith('12. '));
      expect(lines[ordered + 1]?.startsWith('    ')).toBe(true);
      expect(lines.join('').replace(/[\s•│#*]/g, '')).toContain(CJK + EMOJI);
    }
  });
});

describe('the cursor moves and deletes whole graphemes', () => {
  const at = (text: string, cursor: number): InputState => ({ ...initialInput(), text, cursor });
  it('left, right, backspace and delete step over an emoji, a joined family and an accent', () => {
    const text = `a🎉${FAMILY}e\u0301`;
    let s = at(text, text.length);
    s = inputReducer(s, { type: 'left' });
    expect(text.slice(s.cursor)).toBe('e\u0301');
    s = inputReducer(s, { type: 'left' });
    expect(text.slice(s.cursor)).toBe(`${FAMILY}e\u0301`);
    s = inputReducer(s, { type: 'backspace' });
    expect(s.text).toBe(`a${FAMILY}e\u0301`);
    s = inputReducer(s, { type: 'delete' });
    expect(s.text).toBe('ae\u0301');
    s = inputReducer(s, { type: 'right' });
    expect(s.cursor).toBe(s.text.length);
    expect(inputReducer(at('🎉', 2), { type: 'backspace' }).text).toBe('');
  });
});
