import { bracketEnd, compileSedRegexReadings, parseReplacement, type RegexFlags } from './sed-regex.js';
import type { Address, Base, SedCommand, SedProgram, Selector } from './sed-types.js';

const UNSUPPORTED = 'nNDPhHgGxbtT:lzFeFrRwWv';
const SUPPORTED = 'p, =, s, y, d, a, i, c, q, Q and { }';

/** Strip shell habits around a script: a leading `sed`, options like -n/-E/-i, one pair of single quotes. */
export function normalizeScript(script: string): string {
  let s = script.trim();
  for (;;) {
    const m = /^(?:sed|-[nEirsuz]+|-e|--quiet|--silent|--regexp-extended|--in-place)(?:\s+|$)/.exec(s);
    if (!m) break;
    s = s.slice(m[0].length);
  }
  // '…' or "…" around the whole script, maybe followed by a file name as on a command line
  const quoted = /^(['"])([\s\S]*)\1(\s+[^\s'"]+)?$/.exec(s);
  if (quoted && !(quoted[2] as string).includes(quoted[1] as string)) s = quoted[2] as string;
  return s;
}

/** Parse a sed script. Throws an Error naming the line/column and the problem. */
export function parseSedScript(script: string): SedProgram {
  const src = normalizeScript(script);
  const all: SedCommand[] = [];
  let pos = 0;
  let cmdStart = -1;
  let lastRegex: { raw: string; delim: string; flags: RegexFlags } | null = null;

  const fail = (why: string, at = pos): never => {
    const before = src.slice(0, at);
    const line = before.split('\n').length;
    const col = at - before.lastIndexOf('\n');
    const where = src.includes('\n') ? `line ${line}, column ${col}` : `column ${col}`;
    const lineText = src.split('\n')[line - 1] ?? '';
    const cmd = cmdStart >= 0 && cmdStart <= at ? src.slice(cmdStart).split('\n')[0]?.trim() : '';
    const inCmd = cmd && cmd !== lineText.trim() ? ` (in command "${shorten(cmd)}")` : '';
    throw new Error(
      `sed script error at ${where}${inCmd}: ${why}\n  ${lineText}\n  ${' '.repeat(Math.max(0, col - 1))}^`,
    );
  };
  const peek = () => src[pos];
  const skipBlanks = () => {
    while (pos < src.length && (src[pos] === ' ' || src[pos] === '\t')) pos++;
  };
  const readNumber = (): number => {
    const m = /^\d+/.exec(src.slice(pos));
    if (!m) return fail('expected a number');
    pos += m[0].length;
    return Number(m[0]);
  };

  /** Read up to the next unescaped `delim` (raw text, escapes kept); pos ends after the delimiter. */
  const readDelimited = (delim: string, what: string, brackets: boolean, newlines: boolean): string => {
    const start = pos;
    while (pos < src.length) {
      const c = src[pos];
      if (c === '\\') pos += 2;
      else if (c === delim) {
        pos++;
        return src.slice(start, pos - 1);
      } else if (c === '\n' && !newlines) break;
      else if (c === '[' && brackets) {
        const end = bracketEnd(src, pos);
        pos = end === -1 || src.slice(pos, end).includes('\n') ? pos + 1 : end;
      } else pos++;
    }
    return fail(`unterminated ${what}: missing closing "${delim}"`, start - 1);
  };

  type Readings = { re: RegExp; other: RegExp | null };
  const compile = (raw: string, delim: string, flags: RegexFlags, at: number, backrefs = false): Readings => {
    let source = { raw, delim, flags };
    if (raw === '') {
      if (!lastRegex) fail('empty regex // but no earlier regex to reuse', at);
      source = { ...(lastRegex as typeof source), flags: { ...lastRegex!.flags, ...pickTrue(flags) } };
    }
    lastRegex = source;
    try {
      return compileSedRegexReadings(source.raw, source.delim, source.flags, backrefs);
    } catch (err) {
      return fail(`${(err as Error).message} in /${source.raw}/`, at);
    }
  };

  const readRegex = (): { raw: string; delim: string; at: number } => {
    const at = pos;
    let delim = '/';
    if (src[pos] === '\\') {
      delim = src[pos + 1] ?? '';
      if (delim === '' || delim === '\n' || delim === '\\') fail('expected a regex delimiter after \\');
      pos += 2;
    } else pos++;
    return { raw: readDelimited(delim, 'address regex', true, false), delim, at };
  };

  const readAddressRegex = (): Address => {
    const { raw, delim, at } = readRegex();
    const flags: RegexFlags = {};
    while (peek() === 'I' || peek() === 'M') {
      if (src[pos++] === 'I') flags.ignoreCase = true;
      else flags.multiline = true;
    }
    const { re, other } = compile(raw, delim, flags, at);
    return { type: 'regex', re, ...(other ? { other } : {}) };
  };

  const readAddress = (): Address | undefined => {
    const c = peek();
    if (c !== undefined && c >= '0' && c <= '9') {
      const n = readNumber();
      if (peek() === '~') {
        pos++;
        return { type: 'step', first: n, step: readNumber() };
      }
      return { type: 'line', n };
    }
    if (c === '$') {
      pos++;
      return { type: 'last' };
    }
    if (c === '/' || c === '\\') return readAddressRegex();
    return undefined;
  };

  const readSelector = (): Selector => {
    const start = pos;
    const a1 = readAddress();
    const sel: Selector = { negate: false, ...(a1 ? { a1 } : {}) };
    skipBlanks();
    if (a1 && peek() === ',') {
      pos++;
      skipBlanks();
      const c = peek();
      if (c === '+' || c === '~') {
        pos++;
        sel.a2 = { type: c === '+' ? 'plus' : 'multiple', n: readNumber() };
      } else {
        const a2 = readAddress();
        if (!a2) fail('expected an address after ","');
        sel.a2 = a2;
      }
      skipBlanks();
    }
    if (a1?.type === 'line' && a1.n === 0 && sel.a2?.type !== 'regex') {
      fail('line 0 is only valid as 0,/regex/', start);
    }
    if (peek() === '!') {
      pos++;
      sel.negate = true;
      skipBlanks();
    }
    return sel;
  };

  const readSubst = (base: Base): SedCommand => {
    const delim = src[pos] ?? '';
    if (delim === '' || delim === '\n' || delim === '\\') fail('expected a delimiter after s, e.g. s/old/new/');
    const at = pos;
    pos++;
    const raw = readDelimited(delim, 's command', true, false);
    const rep = readDelimited(delim, 's command replacement', false, true);
    const flags: RegexFlags = {};
    let global = false;
    let print = false;
    let nth = 1;
    for (;;) {
      const c = peek();
      if (c === 'g') global = true;
      else if (c === 'p') print = true;
      else if (c === 'i' || c === 'I') flags.ignoreCase = true;
      else if (c === 'm' || c === 'M') flags.multiline = true;
      else if (c !== undefined && c >= '1' && c <= '9') {
        nth = readNumber();
        continue;
      } else if (c === 'e' || c === 'w') fail(`the s///${c} flag is not supported`);
      else break;
      pos++;
    }
    const replacement = parseReplacement(rep, delim);
    const { re, other } = compile(
      raw,
      delim,
      flags,
      at,
      replacement.some((p) => p.type === 'group' && p.n > 0),
    );
    const groups = (new RegExp(`${re.source}|`).exec('')?.length ?? 1) - 1;
    const bad = replacement.find((p) => p.type === 'group' && p.n > groups);
    if (bad && bad.type === 'group') {
      fail(`the replacement uses \\${bad.n} but the regex has ${groups} group(s); groups are ( ) (or GNU \\( \\))`, at);
    }
    return { ...base, name: 's', re, replacement, global, nth, print, ...(other ? { other } : {}) };
  };

  const readY = (base: Base): SedCommand => {
    const delim = src[pos++] ?? '';
    const unescape = (s: string) => s.replace(/\\(.)/gs, (_, c: string) => (c === 'n' ? '\n' : c));
    const from = [...unescape(readDelimited(delim, 'y command', false, false))];
    const to = [...unescape(readDelimited(delim, 'y command', false, false))];
    if (from.length !== to.length) fail(`y/${from.join('')}/${to.join('')}/: both sides must have the same length`);
    return { ...base, name: 'y', map: new Map(from.map((c, i) => [c, to[i] as string])) };
  };

  /** a, i, c text: GNU one-line `a text`, `a\text`, or `a\` + newline + lines ending in `\` to continue. */
  const readText = (): string => {
    skipBlanks();
    if (peek() === '\\') {
      pos++;
      // `a\` + newline: the text starts on the next line; `a\  text` keeps the whitespace
      const blanks = /^[ \t]*\n/.exec(src.slice(pos));
      if (blanks) pos += blanks[0].length;
    } else if (pos >= src.length || peek() === '\n') fail('expected text after the command, e.g. "3a new line"');
    let text = '';
    while (pos < src.length) {
      const c = src[pos] as string;
      if (c === '\n') {
        pos++;
        break;
      }
      if (c === '\\' && src[pos + 1] === '\n') {
        text += '\n';
        pos += 2;
      } else if (c === '\\' && src[pos + 1] === '\\' && (src[pos + 2] === '\n' || pos + 2 >= src.length)) {
        text += '\\';
        pos += 2;
      } else {
        text += c;
        pos++;
      }
    }
    return text;
  };

  const endOfCommand = () => {
    skipBlanks();
    const c = peek();
    if (c === undefined || c === ';' || c === '\n' || c === '}' || c === '#') return;
    fail(`unexpected "${c}" after the command (separate commands with ";" or a newline)`);
  };

  const readBlock = (parent: number | null): SedCommand[] => {
    const list: SedCommand[] = [];
    for (;;) {
      while (pos < src.length && /[\s;]/.test(src[pos] as string)) pos++;
      if (pos >= src.length) {
        if (parent !== null) fail('missing } to close the {');
        return list;
      }
      if (peek() === '#') {
        while (pos < src.length && src[pos] !== '\n') pos++;
        continue;
      }
      if (peek() === '}') {
        if (parent === null) fail('unexpected } without a matching {');
        pos++;
        return list;
      }
      const start = pos;
      cmdStart = pos;
      const sel = readSelector();
      const name = peek();
      if (name === undefined || name === '\n' || name === ';' || name === '}') {
        fail(`missing command after the address: add p to view (e.g. 40,80p) or an edit command (${SUPPORTED})`);
      }
      pos++;
      const id = all.length;
      const base: Base = { id, parent, text: '', sel };
      all.push(base as SedCommand);
      let cmd: SedCommand;
      if (name === '{') cmd = { ...base, name: '{', body: readBlock(id) };
      else if (name === 's') cmd = readSubst(base);
      else if (name === 'y') cmd = readY(base);
      else if (name === 'a' || name === 'i' || name === 'c') {
        cmd = { ...base, name, lines: readText() };
      } else if ('p=dqQ'.includes(name as string)) {
        if ((name === 'q' || name === 'Q') && sel.a2) fail(`${name} takes at most one address`, start);
        if (name === 'q' || name === 'Q') while (/\d/.test(peek() ?? '')) pos++;
        cmd = { ...base, name: name as 'p' };
      } else if (UNSUPPORTED.includes(name as string)) {
        return fail(`command "${name}" is not supported here (supported: ${SUPPORTED})`, pos - 1);
      } else return fail(`unknown command "${name}" (supported: ${SUPPORTED})`, pos - 1);
      if (name !== 'a' && name !== 'i' && name !== 'c' && name !== '{') endOfCommand();
      cmd.text = shorten(
        src
          .slice(start, pos)
          .trim()
          .replace(/[;\s]+$/, ''),
      );
      all[id] = cmd;
      list.push(cmd);
    }
  };

  const commands = readBlock(null);
  if (all.length === 0) throw new Error('Empty sed script. Examples: "40,80p" (view), "s/old/new/g" (edit).');
  return { commands, all };
}

function pickTrue(flags: RegexFlags): RegexFlags {
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v)) as RegexFlags;
}

function shorten(s: string, max = 60): string {
  const flat = s.replace(/\n/g, '\\n');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
