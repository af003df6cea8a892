/**
 * Text measured in terminal columns, not characters: CJK and most emoji fill two columns, combining marks
 * and zero-width joiners none. Everything the live frame wraps or cuts goes through here, so a row never
 * overflows the terminal (which would scroll the frame and break Ink's redraw) and nothing is cut off.
 */
import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** A string's width in terminal columns (escape sequences count zero). */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/**
 * Code points that join with their neighbours into one grapheme (combining marks, joiners, variation
 * selectors, flags, skin tones, tags, conjoining jamo). Text without them is segmented code point by code
 * point, which is much faster than Intl.Segmenter (that costs tens of milliseconds for a long line here).
 */
const JOINING =
  /\p{M}|\u200c|\u200d|\ufe0e|\ufe0f|[\u1100-\u11ff]|[\u{1f1e6}-\u{1f1ff}]|[\u{1f3fb}-\u{1f3ff}]|[\u{e0020}-\u{e007f}]/u;

/** The grapheme clusters of `text` (what a person sees as one character) with their UTF-16 offsets. */
export function graphemes(text: string): { text: string; index: number }[] {
  if (JOINING.test(text)) return Array.from(segmenter.segment(text), (s) => ({ text: s.segment, index: s.index }));
  const out: { text: string; index: number }[] = [];
  let index = 0;
  for (const ch of text) {
    out.push({ text: ch, index });
    index += ch.length;
  }
  return out;
}

const widths = new Map<string, number>();

/** Columns of one grapheme: printable ASCII is 1, the rest is measured once and remembered. */
export function cellWidth(g: string): number {
  const c = g.charCodeAt(0);
  if (g.length === 1 && c >= 0x20 && c < 0x7f) return 1;
  let w = widths.get(g);
  if (w === undefined) {
    if (widths.size > 20_000) widths.clear();
    w = stringWidth(g);
    widths.set(g, w);
  }
  return w;
}

/** Offset of the grapheme boundary before `index` (0 at the start). */
export function prevBoundary(text: string, index: number): number {
  let prev = 0;
  for (const g of segmenter.segment(text)) {
    if (g.index >= index) break;
    prev = g.index;
  }
  return prev;
}

/** Offset of the grapheme boundary after `index` (text.length at the end). */
export function nextBoundary(text: string, index: number): number {
  for (const g of segmenter.segment(text)) if (g.index + g.segment.length > index) return g.index + g.segment.length;
  return text.length;
}

/** One row of a hard-wrapped line: its text and UTF-16 offsets [start, end) within the line. */
export interface Row {
  text: string;
  start: number;
  end: number;
}

/**
 * Hard-wrap one line (no newlines, no escape sequences) into rows of at most `width` columns, breaking
 * between grapheme clusters. A cluster wider than the row (a wide character in a 1-column row) gets a row
 * of its own. An empty line is one empty row.
 */
export function splitByWidth(line: string, width: number): Row[] {
  const w = Math.max(1, width);
  const rows: Row[] = [];
  let start = 0;
  let used = 0;
  let text = '';
  for (const g of graphemes(line)) {
    const gw = cellWidth(g.text);
    if (used + gw > w && text !== '') {
      rows.push({ text, start, end: g.index });
      start = g.index;
      used = 0;
      text = '';
    }
    text += g.text;
    used += gw;
  }
  rows.push({ text, start, end: line.length });
  return rows;
}

/**
 * Word-wrap text to `width` columns; words longer than a row are broken between graphemes, and a space
 * where a row breaks is dropped (nothing else is lost). Plain lines take a linear pass of our own (the
 * live frame wraps on every redraw); lines with escape sequences (styled markdown, wrapped once when an
 * item is finished) go to wrap-ansi, which knows how to carry styles across the break.
 */
export function wrapByWidth(text: string, width: number): string[] {
  const w = Math.max(1, width);
  return text.split('\n').flatMap((line) => {
    if (fits(line, w)) return [line];
    return line.includes('\x1b') ? wrapAnsi(line, w, { hard: true, trim: false }).split('\n') : wordWrap(line, w);
  });
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function fits(line: string, width: number): boolean {
  if (line.length <= width && PRINTABLE_ASCII.test(line)) return true;
  // a character never takes more than two columns; escape sequences take none
  if (line.length * 2 <= width) return true;
  if (line.includes('\x1b')) return stringWidth(line) <= width;
  let used = 0;
  for (const g of graphemes(line)) {
    used += cellWidth(g.text);
    if (used > width) return false;
  }
  return true;
}

/** Greedy word wrap of a plain line (no escape sequences), linear in its length. */
function wordWrap(line: string, width: number): string[] {
  const rows: string[] = [];
  let row: { g: string; w: number }[] = [];
  let used = 0;
  /** index in `row` just after its last space (a place to break), or -1 */
  let breakAt = -1;
  const emit = (cells: { g: string; w: number }[]) => rows.push(cells.map((c) => c.g).join(''));
  for (const { text: g } of graphemes(line)) {
    const gw = cellWidth(g);
    if (used + gw > width && row.length) {
      if (g === ' ') {
        // the break falls on a space: end the row here, drop the space
        emit(row);
        row = [];
        used = 0;
        breakAt = -1;
        continue;
      }
      if (breakAt > 0) {
        // move the word being written to the next row; the space before it ends this one
        const rest = row.slice(breakAt);
        emit(row.slice(0, breakAt - 1));
        row = rest;
        used = rest.reduce((n, c) => n + c.w, 0);
      } else {
        emit(row);
        row = [];
        used = 0;
      }
      breakAt = -1;
    }
    row.push({ g, w: gw });
    used += gw;
    if (g === ' ') breakAt = row.length;
  }
  if (row.length || !rows.length) emit(row);
  return rows;
}

/** Cut plain text to at most `width` columns, ending with `…` when something was cut. */
export function truncateWidth(text: string, width: number): string {
  if (stringWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  for (const g of graphemes(text)) {
    const gw = cellWidth(g.text);
    if (used + gw > width - 1) break;
    out += g.text;
    used += gw;
  }
  return `${out}…`;
}

/** Pad plain text with spaces to `width` columns. */
export function padWidth(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - stringWidth(text)));
}
