/**
 * The prompt box as a pure reducer: multi-line text with a cursor, history with Up/Down, bracketed paste,
 * and the slash-command menu (Up/Down select, Tab completes). The cursor moves and deletes whole grapheme
 * clusters, so an emoji or an accented letter is never split.
 * `keyToAction` maps Ink's (input, key) to an action so the mapping is testable without a terminal.
 */
import { completion, slashMenu } from './slash-menu.js';
import { nextBoundary, prevBoundary } from './text-width.js';

export interface InputState {
  text: string;
  /** index into text (UTF-16 units) */
  cursor: number;
  history: string[];
  /** position while browsing history (null: editing the draft) */
  index: number | null;
  draft: string;
  /** inside a bracketed paste: Enter inserts a newline */
  pasting: boolean;
  /** the selected entry of the slash-command menu (reset by any edit) */
  menu: number;
  /** Esc closed the slash-command menu (until the next edit) */
  menuClosed?: boolean;
}

export type InputAction =
  | { type: 'insert'; text: string }
  | { type: 'newline' }
  | { type: 'continue' }
  | { type: 'backspace' }
  | { type: 'delete' }
  | { type: 'left' }
  | { type: 'right' }
  | { type: 'home' }
  | { type: 'end' }
  | { type: 'up' }
  | { type: 'down' }
  | { type: 'clear' }
  | { type: 'kill_before' }
  | { type: 'delete_word' }
  | { type: 'paste_start' }
  | { type: 'paste_end' }
  | { type: 'tab' }
  | { type: 'menu_prev' }
  | { type: 'menu_next' }
  | { type: 'menu_close' }
  | { type: 'submitted'; text: string };

export const HISTORY_MAX = 500;

export function initialInput(history: string[] = []): InputState {
  return { text: '', cursor: 0, history, index: null, draft: '', pasting: false, menu: 0 };
}

function edit(s: InputState, text: string, cursor: number): InputState {
  const same = text === s.text;
  return {
    ...s,
    text,
    cursor: Math.max(0, Math.min(text.length, cursor)),
    menu: same ? s.menu : 0,
    menuClosed: same ? s.menuClosed : false,
  };
}

function lineStart(text: string, cursor: number): number {
  return text.lastIndexOf('\n', cursor - 1) + 1;
}

function lineEnd(text: string, cursor: number): number {
  const i = text.indexOf('\n', cursor);
  return i < 0 ? text.length : i;
}

export function inputReducer(s: InputState, a: InputAction): InputState {
  const { text, cursor } = s;
  switch (a.type) {
    case 'insert': {
      const ins = a.text.replace(/\r\n?/g, '\n');
      return edit(s, text.slice(0, cursor) + ins + text.slice(cursor), cursor + ins.length);
    }
    case 'newline':
      return edit(s, `${text.slice(0, cursor)}\n${text.slice(cursor)}`, cursor + 1);
    case 'continue':
      return edit(s, `${text.slice(0, cursor).replace(/\\$/, '')}\n${text.slice(cursor)}`, cursor);
    case 'backspace': {
      if (cursor === 0) return s;
      const from = prevBoundary(text, cursor);
      return edit(s, text.slice(0, from) + text.slice(cursor), from);
    }
    case 'delete':
      return cursor >= text.length
        ? s
        : edit(s, text.slice(0, cursor) + text.slice(nextBoundary(text, cursor)), cursor);
    case 'left':
      return edit(s, text, prevBoundary(text, cursor));
    case 'right':
      return edit(s, text, nextBoundary(text, cursor));
    case 'tab': {
      const menu = slashMenu(s);
      if (!menu) return s;
      const done = completion(menu);
      return done === text ? s : { ...edit(s, done, done.length), menu: 0 };
    }
    case 'menu_close':
      return slashMenu(s) ? { ...s, menuClosed: true } : s;
    case 'menu_prev':
    case 'menu_next': {
      const menu = slashMenu(s);
      if (!menu) return s;
      const n = menu.matches.length;
      return { ...s, menu: (menu.selected + (a.type === 'menu_next' ? 1 : n - 1)) % n };
    }
    case 'home':
      return edit(s, text, lineStart(text, cursor));
    case 'end':
      return edit(s, text, lineEnd(text, cursor));
    case 'kill_before': {
      const start = lineStart(text, cursor);
      return edit(s, text.slice(0, start) + text.slice(cursor), start);
    }
    case 'delete_word': {
      const before = text.slice(0, cursor).replace(/\S*\s*$/, '');
      return edit(s, before + text.slice(cursor), before.length);
    }
    case 'clear':
      return { ...s, text: '', cursor: 0, index: null, draft: '', menu: 0 };
    case 'up': {
      const start = lineStart(text, cursor);
      if (start > 0) {
        const col = cursor - start;
        const prevStart = lineStart(text, start - 1);
        return edit(s, text, Math.min(prevStart + col, start - 1));
      }
      if (s.history.length === 0) return s;
      const index = s.index === null ? s.history.length - 1 : Math.max(0, s.index - 1);
      const entry = s.history[index] ?? '';
      return { ...s, index, draft: s.index === null ? text : s.draft, text: entry, cursor: entry.length };
    }
    case 'down': {
      const end = lineEnd(text, cursor);
      if (end < text.length) {
        const col = cursor - lineStart(text, cursor);
        const nextEnd = lineEnd(text, end + 1);
        return edit(s, text, Math.min(end + 1 + col, nextEnd));
      }
      if (s.index === null) return s;
      if (s.index >= s.history.length - 1)
        return { ...s, index: null, text: s.draft, cursor: s.draft.length, draft: '' };
      const entry = s.history[s.index + 1] ?? '';
      return { ...s, index: s.index + 1, text: entry, cursor: entry.length };
    }
    case 'paste_start':
      return { ...s, pasting: true };
    case 'paste_end':
      return { ...s, pasting: false };
    case 'submitted': {
      const history =
        a.text.trim() && s.history[s.history.length - 1] !== a.text
          ? [...s.history, a.text].slice(-HISTORY_MAX)
          : s.history;
      return { ...initialInput(history) };
    }
    default:
      return s;
  }
}

export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  shift?: boolean;
  meta?: boolean;
  backspace?: boolean;
  delete?: boolean;
  tab?: boolean;
}

/** What a key does to the prompt: an edit, 'submit' (Enter), or null (not an input key). */
export function keyToAction(input: string, key: KeyInfo, s: InputState): InputAction | 'submit' | null {
  if (input === '[200~') return { type: 'paste_start' };
  if (input === '[201~') return { type: 'paste_end' };
  if (s.pasting) {
    if (key.return || input === '\r') return { type: 'newline' };
    return input ? { type: 'insert', text: input } : null;
  }
  if (key.return) {
    if (key.shift || key.meta) return { type: 'newline' };
    // a trailing backslash continues the line
    if (s.cursor === s.text.length && s.text.endsWith('\\')) return { type: 'continue' };
    return 'submit';
  }
  // with the slash menu open on more than one command, Up/Down choose in it
  const menu = key.upArrow || key.downArrow ? slashMenu(s) : null;
  if (menu && menu.matches.length > 1) return { type: key.upArrow ? 'menu_prev' : 'menu_next' };
  if (key.upArrow) return { type: 'up' };
  if (key.downArrow) return { type: 'down' };
  if (key.leftArrow) return { type: 'left' };
  if (key.rightArrow) return { type: 'right' };
  if (key.home) return { type: 'home' };
  if (key.end) return { type: 'end' };
  // Most terminals send DEL (0x7f) for Backspace, which Ink reports as `delete`.
  if (key.backspace || key.delete) return { type: 'backspace' };
  if (key.ctrl) {
    if (input === 'a') return { type: 'home' };
    if (input === 'e') return { type: 'end' };
    if (input === 'u') return { type: 'kill_before' };
    if (input === 'w') return { type: 'delete_word' };
    if (input === 'd') return { type: 'delete' };
    if (input === 'j') return { type: 'newline' };
    return null;
  }
  if (key.tab) return { type: 'tab' };
  if (key.escape) return slashMenu(s) ? { type: 'menu_close' } : null;
  if (!input) return null;
  // a paste without bracketed-paste mode: keep it whole, line breaks included
  return { type: 'insert', text: input };
}
