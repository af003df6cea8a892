import { describe, expect, it } from 'vitest';
import { compileSedRegex } from '../../src/tools/sed-regex.js';
import { normalizeScript, parseSedScript } from '../../src/tools/sed-script.js';
import type { SedCommand } from '../../src/tools/sed-types.js';

const first = (script: string): SedCommand => {
  const cmd = parseSedScript(script).all[0];
  if (!cmd) throw new Error('no command');
  return cmd;
};
const shape = (script: string) =>
  parseSedScript(script).all.map((c) => ({ name: c.name, text: c.text, parent: c.parent }));

describe('parseSedScript', () => {
  it('parses addresses: line, $, regex (with I), ranges, +N, ~N, first~step, 0,/re/, !', () => {
    expect(first('40,80p').sel).toEqual({ a1: { type: 'line', n: 40 }, a2: { type: 'line', n: 80 }, negate: false });
    expect(first('$d').sel).toEqual({ a1: { type: 'last' }, negate: false });
    expect(first('5,$ d').sel.a2).toEqual({ type: 'last' });
    expect(first('/x/,+3d').sel.a2).toEqual({ type: 'plus', n: 3 });
    expect(first('/x/,~4d').sel.a2).toEqual({ type: 'multiple', n: 4 });
    expect(first('1~2d').sel.a1).toEqual({ type: 'step', first: 1, step: 2 });
    expect(first('3!d').sel.negate).toBe(true);
    expect(first('0,/x/d').sel.a1).toEqual({ type: 'line', n: 0 });
    const re = first('/Foo/Ip').sel.a1;
    expect(re?.type === 'regex' && re.re.flags).toBe('gi');
    const custom = first('\\|a/b|p').sel.a1;
    expect(custom?.type === 'regex' && custom.re.test('xa/b')).toBe(true);
  });

  it('splits commands on ; and newlines, keeps their text, and nests blocks', () => {
    expect(shape('s/a/b/g; 2d\n$a end;x\n/re/{p;=}')).toEqual([
      { name: 's', text: 's/a/b/g', parent: null },
      { name: 'd', text: '2d', parent: null },
      { name: 'a', text: '$a end;x', parent: null },
      { name: '{', text: '/re/{p;=}', parent: null },
      { name: 'p', text: 'p', parent: 3 },
      { name: '=', text: '=', parent: 3 },
    ]);
  });

  it('parses s flags: g, i/I, N, any delimiter', () => {
    const s = first('s|a/b|c|3gI');
    expect(s.name === 's' && { global: s.global, nth: s.nth, flags: s.re.flags, ok: s.re.test('A/B') }).toEqual({
      global: true,
      nth: 3,
      flags: 'gi',
      ok: true,
    });
    const t = first('s,x\\,y,z,');
    expect(t.name === 's' && t.re.test('x,y')).toBe(true);
  });

  it('parses a/i/c text in the GNU one-line and backslash-continued forms', () => {
    const text = (script: string) => {
      const c = first(script);
      return 'lines' in c ? c.lines : null;
    };
    expect(text('3a hello world')).toBe('hello world');
    expect(text('3a\\  indented')).toBe('  indented');
    expect(text('3i\\\n  one\\\n  two\n4d')).toBe('  one\n  two');
    expect(text('$c\\\nlast')).toBe('last');
    expect(text('1a ends with backslash\\\\')).toBe('ends with backslash\\');
  });

  it('accepts shell habits: sed, -n, -E, -i and single quotes around the script', () => {
    expect(normalizeScript("sed -n '40,80p'")).toBe('40,80p');
    expect(normalizeScript("-E -i 's/a/b/'")).toBe('s/a/b/');
    expect(normalizeScript('s/a/b/')).toBe('s/a/b/');
    expect(normalizeScript("sed -i 's/a/b/' src/x.ts")).toBe('s/a/b/');
    expect(normalizeScript('"1,5p"')).toBe('1,5p');
    expect(normalizeScript('s/\'/"/g')).toBe('s/\'/"/g');
    expect(shape("-n '1p'")).toEqual([{ name: 'p', text: '1p', parent: null }]);
  });

  it('reuses the previous regex for an empty one', () => {
    const s = parseSedScript('/foo/s//bar/').all[0];
    expect(s?.name === 's' && s.re.source).toBe('foo');
    expect(() => parseSedScript('s//x/')).toThrow(/no earlier regex/);
  });

  it('comments and empty commands are skipped', () => {
    expect(shape('# a comment\n;;1d # trailing').map((c) => c.name)).toEqual(['d']);
  });

  it.each([
    ['s/a/b', /column 4: unterminated s command replacement: missing closing "\/"/],
    ['1d; s/a/b/x', /column 11 \(in command "s\/a\/b\/x"\): unexpected "x"/],
    ['s/a', /unterminated s command/],
    ['2k', /column 2: unknown command "k"/],
    ['1,5N', /command "N" is not supported here \(supported: p, =, s/],
    ['/abc', /unterminated address regex/],
    ['40,80', /missing command after the address: add p to view \(e\.g\. 40,80p\)/],
    ['{p', /missing } to close/],
    ['p}', /unexpected }/],
    ['s/a**/b/', /invalid regex: Nothing to repeat/],
    ['s/a/\\1/', /uses \\1 but the regex has 0 group/],
    ['y/abc/de/', /same length/],
    ['1,2q', /q takes at most one address/],
    ['5,/x/', /missing command/],
    ['0,5d', /line 0 is only valid as 0,\/regex\//],
    ['p x', /unexpected "x" after the command/],
    ['s/a/b/w out.txt', /flag is not supported/],
    ['1d\n2kk', /line 2, column 2: unknown command "k"/],
    ['', /Empty sed script/],
    ['# only a comment', /Empty sed script/],
    ['1a', /expected text after the command/],
  ])('reports %j clearly', (script, message) => {
    expect(() => parseSedScript(script)).toThrow(message);
  });

  it('points at the offending column with a caret', () => {
    expect(() => parseSedScript('1d;2k')).toThrow(
      'sed script error at column 5 (in command "2k"): unknown command "k" (supported: p, =, s, y, d, a, i, c, q, Q and { })\n  1d;2k\n      ^',
    );
  });
});

describe('sed regex dialect', () => {
  const re = (raw: string, backrefs = false) => compileSedRegex(raw, '/', {}, backrefs).source;

  it('is ERE by default: ( ) + ? | { } are operators, their escapes literal', () => {
    expect(re('(a|b)+c?')).toBe('(a|b)+c?');
    expect(re('foo\\(x\\)')).toBe('foo\\(x\\)');
    expect(re('console\\.log\\(')).toBe('console\\.log\\(');
    expect(re('a\\{2\\}', false)).toBe('a{2}');
  });

  it('reads GNU BRE when it uses \\+ \\? \\| \\{n\\} or \\(..\\) with a backreference', () => {
    expect(re('a\\+b\\?')).toBe('a+b?');
    expect(re('\\(a\\|b\\)')).toBe('(a|b)');
    expect(re('\\(foo\\) \\(bar\\)', true)).toBe('(foo) (bar)');
    expect(re('[0-9]\\{2,3\\}')).toBe('[0-9]{2,3}');
  });

  it('falls back to ERE when the BRE reading is invalid or has an empty group', () => {
    expect(re('f\\(\\)', true)).toBe('f\\(\\)');
    expect(re('a\\+\\(', true)).toBe('a\\+\\(');
  });

  it('treats an empty () as literal and bare ops keep a regex ERE', () => {
    expect(re('foo()')).toBe('foo\\(\\)');
    expect(re('(x)\\(', true)).toBe('(x)\\(');
  });

  it('translates POSIX classes, word boundaries and the escaped delimiter', () => {
    expect(re('[[:space:]]+[[:alpha:]_]')).toBe('[\\s]+[a-zA-Z_]');
    expect(re('\\<word\\>')).toBe('\\bword\\b');
    expect(compileSedRegex('a\\|b', '|').source).toBe('a\\|b');
    expect(compileSedRegex('[^/]*', '/').test('abc')).toBe(true);
    expect(re('[]x]')).toBe('[\\]x]');
  });

  it('reads an invalid ERE as GNU BRE, where bare ( + ? are literal', () => {
    expect(compileSedRegex('console.log(', '/').test('console.log(x)')).toBe(true);
    expect(compileSedRegex('bar(1', '/').test('bar(12)')).toBe(true);
    expect(re('a+(')).toBe('a\\+\\(');
  });

  it('explains a bad regex', () => {
    expect(() => re('a[')).toThrow(/unterminated \[/);
    expect(() => re('[[:nope:]]')).toThrow(/unknown character class/);
  });
});
