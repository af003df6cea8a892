import { describe, expect, it } from 'vitest';
import { createCapture, looksBinary, normalizeOutput, presentOutput } from '../../src/exec/output.js';

describe('normalizeOutput', () => {
  it('strips colour, cursor and OSC sequences', () => {
    expect(normalizeOutput('\u001b[1;31mred\u001b[0m \u001b[2K\u001b[1Aup \u001b]0;title\u0007x \u001b(Bok')).toBe(
      'red up x ok',
    );
  });
  it('turns CRLF into LF and collapses carriage-return progress to its last state', () => {
    expect(normalizeOutput('a\r\nb\r\r\n10%\r50%\r100%\nabcdef\rxy\n')).toBe('a\nb\n100%\nxycdef\n');
  });
  it('applies backspaces', () => {
    expect(normalizeOutput('N\bNA\bAME\n')).toBe('NAME\n');
  });
});

describe('binary detection', () => {
  it('flags NUL bytes and mostly unprintable text, not ordinary text', () => {
    expect(looksBinary('abc\u0000def')).toBe(true);
    expect(looksBinary('\u0001\u0002\u0003\ufffd\ufffdabc')).toBe(true);
    expect(looksBinary('héllo wörld\ttabs\nlines\r\n\u001b[31mcolour')).toBe(false);
    expect(presentOutput('x\u0000y').text).toMatch(/^\[binary output omitted: 3 bytes/);
  });
});

describe('createCapture', () => {
  it('keeps everything under the limit', () => {
    const c = createCapture(100);
    c.push('hello ');
    c.push('world');
    expect(c.text()).toBe('hello world');
    expect(c.truncated).toBe(false);
  });
  it('keeps head and tail over the limit and counts what was dropped', () => {
    const c = createCapture(10);
    for (const ch of 'abcdefghijklmnopqrstuvwxyz') c.push(ch);
    expect(c.truncated).toBe(true);
    expect(c.totalChars).toBe(26);
    expect(c.text()).toBe('abcde\n[… 16 characters of output dropped …]\nvwxyz');
  });
});
