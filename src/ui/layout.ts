/**
 * The live frame as rows: everything Ink redraws lives here, and it is cut to a fixed number of rows so
 * the frame is always shorter than the terminal (a taller frame makes Ink clear the screen and scrollback).
 */
import { cleanOutput, secs, tailRows, tokens } from './format.js';
import { bold, cyan, dim, type Style } from './markdown.js';
import type { InputState } from './input-state.js';
import { graphemes, splitByWidth } from './text-width.js';
import { costOf, sumUsage, type Status, type TranscriptState } from './transcript.js';
import { paint } from '../headless/style.js';

export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Rows of a running tool's output tail. */
export const TOOL_TAIL_ROWS = 5;
/** Rows of the prompt box at most. */
export const INPUT_MAX_ROWS = 6;
/** Rows of the text being written (the rest is committed as it completes). */
export const STREAM_MAX_ROWS = 6;

/** How many rows the live area may use: the terminal minus what is fixed, with a margin. */
export function liveBudget(termRows: number, fixedRows: number): number {
  return Math.max(0, termRows - fixedRows - 2);
}

/** Rows for the running part of the transcript: running tools (header + tail), then the text being written. */
export function liveRows(
  state: Pick<TranscriptState, 'streaming' | 'tools'>,
  width: number,
  maxRows: number,
  st: Style,
  tick: number,
  now: number,
): string[] {
  if (maxRows <= 0) return [];
  const w = Math.max(10, width - 1);
  const rows: string[] = [];
  const spin = SPINNER[tick % SPINNER.length] ?? '·';
  // tools first (they started after the text that is still streaming was committed)
  const toolRows: string[] = [];
  for (const t of state.tools) {
    const label = `${cyan(st, spin)} ${bold(st, t.name)} ${t.title.startsWith(`${t.name} `) ? t.title.slice(t.name.length + 1) : t.title}`;
    toolRows.push(
      `${label} ${dim(st, `· ${secs(Math.max(0, now - t.started))}${t.lines > TOOL_TAIL_ROWS ? ` · ${t.lines} lines` : ''}`)}`,
    );
    const tail = t.tail ? tailRows(cleanOutput(t.tail).replace(/\n$/, ''), w - 2, TOOL_TAIL_ROWS) : [];
    for (const r of tail) toolRows.push(`  ${dim(st, r)}`);
  }
  const streamRows = state.streaming
    ? tailRows(state.streaming.replace(/\n+$/, ''), w, Math.min(maxRows, STREAM_MAX_ROWS), true)
    : [];
  if (toolRows.length >= maxRows) return toolRows.slice(-maxRows);
  rows.push(...streamRows.slice(-(maxRows - toolRows.length)), ...toolRows);
  return rows;
}

/** Elapsed time in whole seconds: the status line changes once a second, not on every frame. */
function wholeSecs(ms: number): string {
  const t = Math.floor(ms / 1000);
  return t < 60 ? `${t}s` : `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
}

export function statusText(s: Status, st: Style, tick: number, now: number, width: number): string {
  const parts: string[] = [];
  if (s.model) parts.push(s.model.replace(/^replay:.*\//, 'replay:')); // a replay file by its name, not its path
  if (s.running || s.step > 0) parts.push(`step ${s.step}`);
  // the session's tokens: finished runs plus the one running
  const u = sumUsage(s.session, s.total);
  parts.push(
    `↑${tokens(u.input_tokens)} ↓${tokens(u.output_tokens)}${u.cached_tokens ? ` (${tokens(u.cached_tokens)} cached)` : ''}`,
  );
  if (s.pricing) {
    const usd = costOf(u, s.pricing);
    parts.push(`~$${usd < 10 ? usd.toFixed(usd < 0.1 ? 3 : 2) : usd.toFixed(0)}`);
  }
  if (s.think.input_tokens || s.think.output_tokens)
    parts.push(`think ↑${tokens(s.think.input_tokens)} ↓${tokens(s.think.output_tokens)}`);
  if (s.lastInput && s.contextTokens)
    parts.push(`ctx ${Math.min(100, Math.round((s.lastInput / s.contextTokens) * 100))}%`);
  if (s.running) parts.push(wholeSecs(Math.max(0, now - s.runStarted)));
  const left = s.running
    ? `${cyan(st, SPINNER[tick % SPINNER.length] ?? '·')} ${s.activity || 'working'}`
    : dim(st, 'ready · /help · Ctrl-C twice to exit');
  const right = parts.join(' · ');
  const line = `${left}  ${dim(st, right)}`;
  return width < 60 ? `${left}` : line;
}

/** The prompt box as rows (hard-wrapped by display width), with the cursor drawn as an inverse cell, cut around the cursor. */
export function inputRows(s: InputState, width: number, st: Style, maxRows = INPUT_MAX_ROWS, active = true): string[] {
  // two columns of prefix, and one for the cursor after a full row
  const w = Math.max(4, width - 3);
  const rows: { text: string; cursorAt: number | null }[] = [];
  let offset = 0;
  for (const line of s.text.split('\n')) {
    const pieces = splitByWidth(line, w);
    pieces.forEach((piece, k) => {
      const start = offset + piece.start;
      const end = offset + piece.end;
      const last = k === pieces.length - 1;
      const here = s.cursor >= start && (s.cursor < end || (last && s.cursor === end));
      rows.push({ text: piece.text, cursorAt: here ? s.cursor - start : null });
    });
    offset += line.length + 1; // the newline
  }
  const at = Math.max(
    0,
    rows.findIndex((r) => r.cursorAt !== null),
  );
  const from = Math.max(0, Math.min(at - Math.floor(maxRows / 2), rows.length - maxRows));
  const shown = rows.slice(from, from + maxRows);
  // inverse video is not color: the cursor is drawn the same with NO_COLOR
  const inverse = (c: string) => paint(true, 'inverse', c);
  return shown.map((r, k) => {
    const prefix = from + k === 0 ? cyan(st, '› ') : '  ';
    if (r.cursorAt === null || !active) return prefix + r.text;
    const before = r.text.slice(0, r.cursorAt);
    const after = r.text.slice(r.cursorAt);
    const cur = after ? (graphemes(after)[0]?.text ?? ' ') : ' ';
    return `${prefix}${before}${inverse(cur)}${after.slice(cur.length)}`;
  });
}
