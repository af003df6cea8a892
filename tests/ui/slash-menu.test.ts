import { describe, expect, it } from 'vitest';
import { initialInput, inputReducer, keyToAction, type InputState, type KeyInfo } from '../../src/ui/input-state.js';
import type { Style } from '../../src/ui/markdown.js';
import { findSlashCommand, SLASH_COMMANDS, slashHelp, whileTurnRuns } from '../../src/ui/slash-commands.js';
import { menuRows, slashMenu, submitText } from '../../src/ui/slash-menu.js';
import { displayWidth } from '../../src/ui/text-width.js';

const plain: Style = { color: false };

function press(s: InputState, input: string, key: KeyInfo = {}): InputState {
  const a = keyToAction(input, key, s);
  return a && a !== 'submit' ? inputReducer(s, a) : s;
}
const typed = (text: string, s = initialInput(['older entry'])) => [...text].reduce((acc, ch) => press(acc, ch), s);
const names = (s: InputState) => slashMenu(s)?.matches.map((c) => c.name) ?? null;

describe('slash-command menu', () => {
  it('opens on / with every command and a one-line description each', () => {
    const s = typed('/');
    expect(names(s)).toEqual(SLASH_COMMANDS.map((c) => c.name));
    const rows = menuRows(slashMenu(s)!, 100, plain);
    expect(rows).toHaveLength(SLASH_COMMANDS.length);
    for (const [i, c] of SLASH_COMMANDS.entries()) {
      expect(rows[i]).toContain(`/${c.name}`);
      expect(rows[i]).toContain(c.description);
      expect(c.description).not.toContain('\n');
    }
    expect(rows[0]?.startsWith('› /help')).toBe(true); // the first one is selected
  });

  it('narrows as the name is typed; Tab completes /di to /diff and closes nothing it should not', () => {
    let s = typed('/di');
    expect(names(s)).toEqual(['diff']);
    s = press(s, '', { tab: true });
    expect(s.text).toBe('/diff');
    expect(s.cursor).toBe(5);
    expect(names(s)).toEqual(['diff']); // still shown, with its description
    expect(press(s, '', { tab: true })).toBe(s); // nothing more to complete
    // a command taking an argument gets the space after it, and the menu closes
    const m = press(typed('/mo'), '', { tab: true });
    expect(m.text).toBe('/model ');
    expect(slashMenu(m)).toBeNull();
    // unknown prefix: no menu, Tab does nothing
    const x = typed('/zz');
    expect(slashMenu(x)).toBeNull();
    expect(press(x, '', { tab: true })).toBe(x);
  });

  it('Up/Down choose in the menu (wrapping around); Tab takes the selection; any edit resets it', () => {
    let s = typed('/');
    s = press(s, '', { downArrow: true });
    s = press(s, '', { downArrow: true });
    expect(slashMenu(s)?.selected).toBe(2);
    expect(menuRows(slashMenu(s)!, 80, plain)[2]?.startsWith('› /clear')).toBe(true);
    s = press(s, '', { upArrow: true });
    s = press(s, '', { upArrow: true });
    s = press(s, '', { upArrow: true });
    expect(slashMenu(s)?.matches[slashMenu(s)!.selected]?.name).toBe('exit');
    expect(s.text).toBe('/'); // history was not touched
    const r = typed('r', s);
    expect(names(r)).toEqual(['resume']);
    expect(slashMenu(r)?.selected).toBe(0);
    expect(press(press(typed('/'), '', { downArrow: true }), '', { tab: true }).text).toBe('/model ');
  });

  it('Enter on a partial name runs the selected command; a full name or other text is sent as typed', () => {
    expect(submitText(typed('/di'))).toBe('/diff');
    expect(submitText(press(typed('/'), '', { downArrow: true }))).toBe('/model');
    expect(submitText(typed('/diff'))).toBe('/diff');
    expect(submitText(typed('/q'))).toBe('/q'); // an alias is a full name
    expect(submitText(typed('/model gpt-x'))).toBe('/model gpt-x');
    expect(submitText(typed('/zz'))).toBe('/zz');
    expect(submitText(typed('fix the bug'))).toBe('fix the bug');
  });

  it('stays closed for a path, a second line, a paste, history, or the cursor before the end', () => {
    expect(slashMenu(typed('//'))).toBeNull();
    expect(slashMenu(typed('/usr/bin'))).toBeNull();
    expect(slashMenu(typed('hi /di'))).toBeNull();
    expect(slashMenu({ ...typed('/di'), pasting: true })).toBeNull();
    expect(slashMenu(press(typed('/di'), '', { leftArrow: true }))).toBeNull();
    // Esc closes it until the next edit; then Up is history again
    const closed = press(typed('/d'), '', { escape: true });
    expect(slashMenu(closed)).toBeNull();
    expect(closed.text).toBe('/d');
    expect(press(closed, '', { upArrow: true }).text).toBe('older entry');
    expect(names(press(closed, 'i'))).toEqual(['diff']);
    expect(keyToAction('', { escape: true }, typed('hello'))).toBeNull();
    const h = press(initialInput(['/diff']), '', { upArrow: true });
    expect(h.text).toBe('/diff');
    expect(slashMenu(h)).toBeNull(); // browsing history: Up keeps going through history
  });

  it('menu rows fit the width in display columns at 60, 40 and 12 columns', () => {
    const menu = slashMenu(typed('/'))!;
    for (const width of [60, 40, 12]) {
      const rows = menuRows(menu, width, plain);
      expect(rows.every((r) => displayWidth(r) <= width - 1)).toBe(true);
      expect(rows.every((r) => r.includes('/'))).toBe(true);
    }
    expect(menuRows(menu, 60, plain).some((r) => r.endsWith('…'))).toBe(true);
  });

  it('/help comes from the same table, aliases resolve', () => {
    const help = slashHelp();
    for (const c of SLASH_COMMANDS) expect(help).toContain(`/${c.name}`);
    expect(help).toContain('git checkpoint');
    expect(findSlashCommand('quit')?.name).toBe('exit');
    expect(findSlashCommand('nope')).toBeUndefined();
  });

  it('while a turn runs: /help and /traces run, other commands are refused, text is kept', () => {
    expect(whileTurnRuns('/help')).toEqual({ verdict: 'run', name: 'help' });
    expect(whileTurnRuns('/traces')).toEqual({ verdict: 'run', name: 'traces' });
    expect(whileTurnRuns('/diff')).toEqual({ verdict: 'refuse', name: 'diff' });
    expect(whileTurnRuns('/nope x')).toEqual({ verdict: 'refuse', name: 'nope' });
    expect(whileTurnRuns('fix it')).toEqual({ verdict: 'keep', name: '' });
    expect(whileTurnRuns('//not a command')).toEqual({ verdict: 'keep', name: '' });
  });
});
