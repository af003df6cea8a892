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

/** The grapheme clusters of `text` (what a person sees as one character) with their UTF-16 offsets. */
export function graphemes(text: string): { text: string; index: number }[] {
  return Array.from(segmenter.segment(text), (s) => ({ text: s.segment, index: s.index }));
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
    const gw = stringWidth(g.text);
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
 * Word-wrap text (escape sequences allowed) to `width` columns; words longer than a row are broken.
 * Spaces are kept as they are, so nothing the model wrote is lost.
 */
export function wrapByWidth(text: string, width: number): string[] {
  const w = Math.max(1, width);
  return text
    .split('\n')
    .flatMap((line) => (line === '' ? [''] : wrapAnsi(line, w, { hard: true, trim: false }).split('\n')));
}

/** Cut plain text to at most `width` columns, ending with `…` when something was cut. */
export function truncateWidth(text: string, width: number): string {
  if (stringWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  for (const g of graphemes(text)) {
    const gw = stringWidth(g.text);
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
