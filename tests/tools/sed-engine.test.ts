import { describe, expect, it } from 'vitest';
import { runSed, substitute } from '../../src/tools/sed-engine.js';
import { parseSedScript } from '../../src/tools/sed-script.js';

const INPUT = ['alpha one', 'beta two', 'gamma three', 'delta four', 'alpha five', 'omega six'];

/** Expected outputs recorded from GNU sed 4.9 (BRE scripts run without -E, ERE ones with -E). */
const GNU_CASES: Array<[string, string[]]> = [
  ['s/a/A/', ['Alpha one', 'betA two', 'gAmma three', 'deltA four', 'Alpha five', 'omegA six']],
  ['s/a/A/g', ['AlphA one', 'betA two', 'gAmmA three', 'deltA four', 'AlphA five', 'omegA six']],
  ['s/a/A/2', ['alphA one', 'beta two', 'gammA three', 'delta four', 'alphA five', 'omega six']],
  ['s/a/A/2g', ['alphA one', 'beta two', 'gammA three', 'delta four', 'alphA five', 'omega six']],
  ['s/A/_/Ig', ['_lph_ one', 'bet_ two', 'g_mm_ three', 'delt_ four', '_lph_ five', 'omeg_ six']],
  ['2d', ['alpha one', 'gamma three', 'delta four', 'alpha five', 'omega six']],
  ['$d', ['alpha one', 'beta two', 'gamma three', 'delta four', 'alpha five']],
  ['2,4d', ['alpha one', 'alpha five', 'omega six']],
  ['/beta/,/delta/d', ['alpha one', 'alpha five', 'omega six']],
  ['/alpha/,+1d', ['gamma three', 'delta four']],
  ['3,$d', ['alpha one', 'beta two']],
  ['2!d', ['beta two']],
  ['1~3d', ['beta two', 'gamma three', 'alpha five', 'omega six']],
  ['0,/alpha/d', ['beta two', 'gamma three', 'delta four', 'alpha five', 'omega six']],
  ['1,/alpha/d', ['omega six']],
  ['4,2d', ['alpha one', 'beta two', 'gamma three', 'alpha five', 'omega six']],
  ['/alpha/,~4d', []],
  [
    '2a\\\nnew line\\\nsecond',
    ['alpha one', 'beta two', 'new line', 'second', 'gamma three', 'delta four', 'alpha five', 'omega six'],
  ],
  ['2i inserted', ['alpha one', 'inserted', 'beta two', 'gamma three', 'delta four', 'alpha five', 'omega six']],
  ['$a end', ['alpha one', 'beta two', 'gamma three', 'delta four', 'alpha five', 'omega six', 'end']],
  ['3c changed', ['alpha one', 'beta two', 'changed', 'delta four', 'alpha five', 'omega six']],
  ['2,4c range changed', ['alpha one', 'range changed', 'alpha five', 'omega six']],
  ['2,4!c neg', ['neg', 'beta two', 'gamma three', 'delta four', 'neg', 'neg']],
  [
    's/\\(alpha\\) \\(.*\\)/\\2 \\1/',
    ['one alpha', 'beta two', 'gamma three', 'delta four', 'five alpha', 'omega six'],
  ],
  ['s/(alpha) (.*)/\\2 \\1/', ['one alpha', 'beta two', 'gamma three', 'delta four', 'five alpha', 'omega six']],
  ['s/a\\+/X/g', ['XlphX one', 'betX two', 'gXmmX three', 'deltX four', 'XlphX five', 'omegX six']],
  ['s/a+/X/g', ['XlphX one', 'betX two', 'gXmmX three', 'deltX four', 'XlphX five', 'omegX six']],
  [
    's/a*/x/g',
    [
      'xlxpxhx xoxnxex',
      'xbxextx xtxwxox',
      'xgxmxmx xtxhxrxexex',
      'xdxexlxtx xfxoxuxrx',
      'xlxpxhx xfxixvxex',
      'xoxmxexgx xsxixxx',
    ],
  ],
  ['s/[aeiou]\\{2\\}/VV/g', ['alpha one', 'beta two', 'gamma thrVV', 'delta fVVr', 'alpha five', 'omega six']],
  ['s|a|/|g', ['/lph/ one', 'bet/ two', 'g/mm/ three', 'delt/ four', '/lph/ five', 'omeg/ six']],
  ['s/o/\\n/', ['alpha ', 'ne', 'beta tw', '', 'gamma three', 'delta f', 'ur', 'alpha five', '', 'mega six']],
  [
    's/\\w\\+/[&]/g',
    ['[alpha] [one]', '[beta] [two]', '[gamma] [three]', '[delta] [four]', '[alpha] [five]', '[omega] [six]'],
  ],
  ['/alpha/{s/a/4/g;s/l/1/}', ['41ph4 one', 'beta two', 'gamma three', 'delta four', '41ph4 five', 'omega six']],
  ['/alpha/!s/a/@/', ['alpha one', 'bet@ two', 'g@mma three', 'delt@ four', 'alpha five', 'omeg@ six']],
  ['y/abc/ABC/', ['AlphA one', 'BetA two', 'gAmmA three', 'deltA four', 'AlphA five', 'omegA six']],
  ['3q', ['alpha one', 'beta two', 'gamma three']],
  ['3Q', ['alpha one', 'beta two']],
  [
    's/\\(.\\)\\(.*\\)/\\U\\1\\E\\2/',
    ['Alpha one', 'Beta two', 'Gamma three', 'Delta four', 'Alpha five', 'Omega six'],
  ],
  ['s/.*/\\u&/', ['Alpha one', 'Beta two', 'Gamma three', 'Delta four', 'Alpha five', 'Omega six']],
  ['/beta/,/delta/{/gamma/d}', ['alpha one', 'beta two', 'delta four', 'alpha five', 'omega six']],
  ['s/[[:space:]]/_/g', ['alpha_one', 'beta_two', 'gamma_three', 'delta_four', 'alpha_five', 'omega_six']],
  ['s/\\<a/A/g', ['Alpha one', 'beta two', 'gamma three', 'delta four', 'Alpha five', 'omega six']],
  ['/^a/s//Z/', ['Zlpha one', 'beta two', 'gamma three', 'delta four', 'Zlpha five', 'omega six']],
  ['s/[^ ]*$/END/', ['alpha END', 'beta END', 'gamma END', 'delta END', 'alpha END', 'omega END']],
  ['1d;$d', ['beta two', 'gamma three', 'delta four', 'alpha five']],
  ['s/e/E/3', ['alpha one', 'beta two', 'gamma three', 'delta four', 'alpha five', 'omega six']],
  ['/omega/,$!d', ['omega six']],
  ['/ALPHA/Id', ['beta two', 'gamma three', 'delta four', 'omega six']],
  ['2{a after\n}', ['alpha one', 'beta two', 'after', 'gamma three', 'delta four', 'alpha five', 'omega six']],
  ['/beta/,/nomatch/d', ['alpha one']],
  ['s/\\(a\\|o\\)ne/#/', ['alpha #', 'beta two', 'gamma three', 'delta four', 'alpha five', 'omega six']],
  ['/beta/,/delta/c\\\nX', ['alpha one', 'X', 'alpha five', 'omega six']],
  ['2{i\\\nbefore\n}', ['alpha one', 'before', 'beta two', 'gamma three', 'delta four', 'alpha five', 'omega six']],
];

function run(script: string, input: readonly string[] = INPUT, quiet = false) {
  const result = runSed(parseSedScript(script), input, { quiet });
  const text = result.out.map((o) => o.text).join('\n');
  return { ...result, lines: result.out.length ? text.split('\n') : [] };
}

describe('runSed matches GNU sed', () => {
  it.each(GNU_CASES)('%s', (script, expected) => {
    expect(run(script).lines).toEqual(expected);
  });
});

describe('runSed details', () => {
  it('counts matches per command (s counts lines where it substituted)', () => {
    const r = run('s/a/A/g;/zzz/d;2,3d;$a tail');
    expect(r.counts).toEqual([6, 0, 2, 1]);
  });

  it('counts a block and its body separately', () => {
    const r = run('/beta/{s/x/y/;s/t/T/}');
    expect(r.counts).toEqual([1, 0, 1]);
  });

  it('quiet mode prints only p and =, with the line each came from', () => {
    const r = run('2,3p;/omega/=', INPUT, true);
    expect(r.out).toEqual([
      { text: 'beta two', line: 2, kind: 'print' },
      { text: 'gamma three', line: 3, kind: 'print' },
      { text: '6', line: 6, kind: 'number' },
    ]);
  });

  it('q stops after printing; quitAt says where', () => {
    const r = run('2q');
    expect(r.lines).toEqual(['alpha one', 'beta two']);
    expect(r.quitAt).toBe(2);
  });

  it('c over a range that runs to the end of input still prints its text once', () => {
    expect(run('/delta/,/nomatch/c\\\nEND').lines).toEqual(['alpha one', 'beta two', 'gamma three', 'END']);
  });

  it('a, i and c keep multi-line text and leading whitespace', () => {
    expect(run('1a\\    indented\\\n  two', ['x']).lines).toEqual(['x', '    indented', '  two']);
    expect(run('1i\\\n\tx\\\ny', ['z']).lines).toEqual(['\tx', 'y', 'z']);
    expect(run('$c\\\nreplaced', ['a', 'b']).lines).toEqual(['a', 'replaced']);
  });

  it('a text keeps backslashes literally (code like printf("\\n"))', () => {
    expect(run('1a printf("%d\\n", x);', ['x']).lines).toEqual(['x', 'printf("%d\\n", x);']);
  });

  it('a runs even when the line is then deleted', () => {
    expect(run('2{a after\nd\n}', ['a', 'b', 'c']).lines).toEqual(['a', 'after', 'c']);
  });

  it('does nothing on empty input', () => {
    const r = run('$a x', []);
    expect(r.lines).toEqual([]);
    expect(r.counts).toEqual([0]);
  });

  it('ranges restart when the start regex matches again', () => {
    expect(run('/start/,/end/d', ['start', 'x', 'end', 'keep', 'start', 'y', 'end', 'last']).lines).toEqual([
      'keep',
      'last',
    ]);
  });

  it('substitute handles nth, global from nth, and empty matches like GNU', () => {
    const s = (script: string, text: string) => {
      const cmd = parseSedScript(script).all[0];
      if (cmd?.name !== 's') throw new Error('not s');
      return substitute(text, cmd);
    };
    expect(s('s/o/0/3g', 'foo boo zoo')).toBe('foo b00 z00');
    expect(s('s/x*/-/g', 'abc')).toBe('-a-b-c-');
    expect(s('s/b*/X/2', 'abc')).toBe('aXc');
    expect(s('s/q/Q/', 'abc')).toBeNull();
    expect(s('s/(a)|(z)/[\\2]/', 'abc')).toBe('[]bc');
    expect(s('s/\\(\\w\\+\\) \\(\\w\\+\\)/\\L\\u\\2 \\U\\1/', 'hello WORLD')).toBe('World HELLO');
    expect(s('s/a/x\\ny/', 'bab')).toBe('bx\nyb');
    expect(s('s/b/[&][\\&]/', 'abc')).toBe('a[b][&]c');
  });
});
