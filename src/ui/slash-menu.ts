/**
 * The menu under the prompt while a slash command is being typed: which commands match, which one is
 * selected, what Tab and Enter make of the text, and the menu's rows. Pure functions of the input state.
 */
import type { InputState } from './input-state.js';
import { bold, cyan, dim, type Style } from './markdown.js';
import { findSlashCommand, SLASH_COMMANDS, type SlashCommand } from './slash-commands.js';
import { padWidth, truncateWidth } from './text-width.js';

export interface SlashMenu {
  matches: readonly SlashCommand[];
  /** index into matches */
  selected: number;
}

/**
 * The menu for this input, or null: it shows while the prompt holds only `/` and a partial command name
 * (no space, one line, the cursor at the end), not while pasting or browsing history, nor after Esc closed it.
 */
export function slashMenu(s: InputState, commands: readonly SlashCommand[] = SLASH_COMMANDS): SlashMenu | null {
  if (s.pasting || s.menuClosed || s.index !== null || s.cursor !== s.text.length) return null;
  const m = /^\/([\w?-]*)$/.exec(s.text);
  if (!m) return null;
  const typed = (m[1] ?? '').toLowerCase();
  const matches = commands.filter((c) => c.name.startsWith(typed));
  if (!matches.length) return null;
  const selected = ((s.menu % matches.length) + matches.length) % matches.length;
  return { matches, selected };
}

/** The text Tab leaves: the selected command in full (and a space when it takes an argument). */
export function completion(menu: SlashMenu): string {
  const c = menu.matches[menu.selected];
  return c ? `/${c.name}${c.args ? ' ' : ''}` : '';
}

/** Rows of the menu: the selected command marked, names in one column, descriptions cut to the width. */
export function menuRows(menu: SlashMenu, width: number, st: Style): string[] {
  const label = (c: SlashCommand) => `/${c.name}${c.args ? ` ${c.args}` : ''}`;
  const col = Math.max(...menu.matches.map((c) => label(c).length)) + 2;
  const room = width - 1 - 2 - col;
  return menu.matches.map((c, i) => {
    const on = i === menu.selected;
    // too narrow for descriptions: the names alone, cut to fit
    const name = room >= 8 ? padWidth(label(c), col) : truncateWidth(label(c), Math.max(1, width - 3));
    const desc = room >= 8 ? truncateWidth(c.description, room) : '';
    return `${on ? cyan(st, '› ') : '  '}${on ? bold(st, name) : name}${desc ? dim(st, desc) : ''}`;
  });
}

/**
 * What Enter sends: with the menu open on a partial name (`/di`), the selected command; otherwise the
 * text as typed.
 */
export function submitText(s: InputState, commands: readonly SlashCommand[] = SLASH_COMMANDS): string {
  const menu = slashMenu(s, commands);
  if (!menu) return s.text;
  const typed = s.text.slice(1).toLowerCase();
  if (commands.some((c) => c.name === typed) || findSlashCommand(typed)) return s.text;
  return completion(menu).trimEnd();
}
