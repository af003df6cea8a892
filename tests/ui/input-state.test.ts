import { describe, expect, it } from 'vitest';
import {
  initialInput,
  inputReducer,
  keyToAction,
  type InputAction,
  type InputState,
  type KeyInfo,
} from '../../src/ui/input-state.js';

function press(s: InputState, input: string, key: KeyInfo = {}): { s: InputState; submitted?: string } {
  const a = keyToAction(input, key, s);
  if (a === 'submit') return { s: inputReducer(s, { type: 'submitted', text: s.text }), submitted: s.text };
  return { s: a ? inputReducer(s, a) : s };
}

function type(s: InputState, ...keys: [string, KeyInfo?][]): InputState {
  return keys.reduce((acc, [i, k]) => press(acc, i, k).s, s);
}

describe('input box reducer', () => {
  it('Enter sends; Shift+Enter, Alt+Enter and a trailing backslash make new lines', () => {
    let s = type(
      initialInput(),
      ['hello'],
      ['', { return: true, shift: true }],
      ['world\\'],
      ['', { return: true }],
      ['end'],
    );
    expect(s.text).toBe('hello\nworld\nend');
    s = type(s, ['', { return: true, meta: true }]);
    expect(s.text).toBe('hello\nworld\nend\n');
    const r = press(type(initialInput(), ['go']), '', { return: true });
    expect(r.submitted).toBe('go');
    expect(r.s.text).toBe('');
    expect(r.s.history).toEqual(['go']);
  });

  it('keeps a large paste whole, line breaks included, with or without bracketed paste', () => {
    const big = Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\r');
    let s = type(initialInput(), [big]);
    expect(s.text.split('\n')).toHaveLength(2000);
    s = type(initialInput(), ['[200~'], ['a'], ['\r', { return: true }], ['b'], ['[201~']);
    expect(s.text).toBe('a\nb');
    expect(s.pasting).toBe(false);
  });

  it('edits at the cursor: arrows, home/end, backspace, ctrl-u, ctrl-w', () => {
    let s = type(initialInput(), ['abc'], ['', { leftArrow: true }], ['X']);
    expect(s.text).toBe('abXc');
    s = type(s, ['', { backspace: true }], ['', { home: true }], ['>']);
    expect(s.text).toBe('>abc');
    s = type(s, ['', { end: true }], [' two words'], ['w', { ctrl: true }]);
    expect(s.text).toBe('>abc two ');
    s = type(s, ['u', { ctrl: true }]);
    expect(s.text).toBe('');
  });

  it('Up/Down walk history from the first/last line and restore the draft', () => {
    let s = initialInput(['one', 'two']);
    s = type(s, ['draft'], ['', { upArrow: true }]);
    expect(s.text).toBe('two');
    s = type(s, ['', { upArrow: true }], ['', { upArrow: true }]);
    expect(s.text).toBe('one');
    s = type(s, ['', { downArrow: true }]);
    expect(s.text).toBe('two');
    s = type(s, ['', { downArrow: true }]);
    expect(s.text).toBe('draft');
    // in multi-line text Up moves between lines first
    s = type(initialInput(['old']), ['ab'], ['', { return: true, shift: true }], ['cd'], ['', { upArrow: true }]);
    expect(s.text).toBe('ab\ncd');
    expect(s.cursor).toBe(2);
  });

  it('does not store blank or repeated entries', () => {
    let s = initialInput();
    const submit = (t: string) => (s = inputReducer(s, { type: 'submitted', text: t } as InputAction));
    submit('a');
    submit('a');
    submit('  ');
    expect(s.history).toEqual(['a']);
  });
});
