/**
 * sed regexes -> JavaScript RegExp.
 *
 * The rule (short form in prompts/tools/sed.md): regexes are extended (ERE, like `sed -E`) on top of JavaScript
 * syntax (`\d \w \s \b` work); `\(` `\)` `\+` `\?` `\|` `\{` `\}` are then literal characters. GNU basic-regex
 * (BRE) habits are honoured too: a regex with none of the bare operators `( ) { } + ? |` that uses `\+`, `\?`, `\|`
 * or `\{n,m\}`, or uses `\(…\)` while the replacement refers to a group (`\1`), is read as GNU BRE: those escapes
 * are the operators and bare `( ) { } + ? |` are literal. When the preferred reading is not a valid regex (or, as
 * BRE, has an empty group) the other reading is used, so `console.log(` matches literally. An empty `()` is literal.
 * `\<` and `\>` are word boundaries; POSIX classes like [[:space:]] work.
 */
export type ReplacementPart =
  | { type: 'text'; text: string }
  | { type: 'group'; n: number }
  | { type: 'case'; mode: 'U' | 'L' | 'E' | 'u' | 'l' };

const OPS = '(){}+?|';
const JS_SPECIAL = '.*+?()[]{}|^$\\/';

type Token =
  | { kind: 'char'; ch: string }
  | { kind: 'esc'; ch: string }
  | { kind: 'lit'; ch: string }
  | { kind: 'bracket'; text: string };

const POSIX_CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\s',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  word: '\\w',
  cntrl: '\\x00-\\x1f\\x7f',
  print: '\\x20-\\x7e',
  graph: '\\x21-\\x7e',
};

/** End index (exclusive) of a bracket expression starting at `start` (which holds '['), or -1 if unterminated. */
export function bracketEnd(text: string, start: number): number {
  let i = start + 1;
  if (text[i] === '^') i++;
  if (text[i] === ']') i++;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '[' && (text[i + 1] === ':' || text[i + 1] === '.' || text[i + 1] === '=')) {
      const close = text.indexOf(`${text[i + 1]}]`, i + 2);
      i = close === -1 ? i + 1 : close + 2;
    } else if (c === ']') return i + 1;
    else i++;
  }
  return -1;
}

function translateBracket(raw: string, delim: string): string {
  let out = '[';
  let i = 1;
  if (raw[i] === '^') {
    out += '^';
    i++;
  }
  if (raw[i] === ']') {
    out += '\\]';
    i++;
  }
  const body = raw.slice(i, -1);
  for (let j = 0; j < body.length; j++) {
    const c = body[j] as string;
    if (c === '\\' && j + 1 < body.length) {
      const n = body[j + 1] as string;
      out += n === delim ? escapeClassChar(n) : `\\${n}`;
      j++;
    } else if (c === '[' && body[j + 1] === ':') {
      const close = body.indexOf(':]', j + 2);
      const name = close === -1 ? '' : body.slice(j + 2, close);
      const cls = POSIX_CLASSES[name];
      if (cls === undefined) throw new Error(`unknown character class [:${name}:]`);
      out += cls;
      j = close + 1;
    } else if (c === '[') out += '\\[';
    else out += c;
  }
  return `${out}]`;
}

function escapeClassChar(c: string): string {
  return '\\^-[]'.includes(c) ? `\\${c}` : c;
}

function tokenize(raw: string, delim: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '\\') {
      const n = raw[i + 1];
      if (n === undefined) throw new Error('trailing backslash');
      tokens.push(n === delim ? { kind: 'lit', ch: n } : { kind: 'esc', ch: n });
      i++;
    } else if (c === '[') {
      const end = bracketEnd(raw, i);
      if (end === -1) throw new Error('unterminated [ bracket expression');
      tokens.push({ kind: 'bracket', text: translateBracket(raw.slice(i, end), delim) });
      i = end - 1;
    } else tokens.push({ kind: 'char', ch: c });
  }
  return tokens;
}

function emit(tokens: Token[], bre: boolean): string {
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'bracket') out += t.text;
    else if (t.kind === 'lit') out += JS_SPECIAL.includes(t.ch) ? `\\${t.ch}` : t.ch;
    else if (t.kind === 'char') {
      const next = tokens[i + 1];
      if (bre && OPS.includes(t.ch)) {
        out += `\\${t.ch}`;
        continue;
      }
      if (!bre && t.ch === '(' && next?.kind === 'char' && next.ch === ')') {
        out += '\\(\\)';
        i++;
      } else out += t.ch;
    } else out += emitEscape(t.ch, bre);
  }
  return out;
}

function emitEscape(ch: string, bre: boolean): string {
  if (OPS.includes(ch)) return bre ? ch : `\\${ch}`;
  if (ch === '<' || ch === '>') return '\\b';
  if (ch === '`') return '^';
  if (ch === "'") return '$';
  if (/[a-zA-Z0-9]/.test(ch)) return `\\${ch}`;
  return JS_SPECIAL.includes(ch) ? `\\${ch}` : ch;
}

export interface RegexFlags {
  ignoreCase?: boolean;
  multiline?: boolean;
}

/**
 * Compile the text between a sed regex's delimiters (`\<delim>` stands for the delimiter itself).
 * `backrefs`: the s/// replacement refers to a group, so a `\(…\)` regex is meant as GNU BRE groups.
 * The result always has the `g` flag (callers iterate with lastIndex). Throws Error with a short reason.
 */
export function compileSedRegex(raw: string, delim: string, flags: RegexFlags = {}, backrefs = false): RegExp {
  return compileSedRegexReadings(raw, delim, flags, backrefs).re;
}

/** Like compileSedRegex, plus the other valid reading (ERE vs GNU BRE) when it differs: used to explain a no-match. */
export function compileSedRegexReadings(
  raw: string,
  delim: string,
  flags: RegexFlags = {},
  backrefs = false,
): { re: RegExp; other: RegExp | null } {
  const jsFlags = `g${flags.ignoreCase ? 'i' : ''}${flags.multiline ? 'm' : ''}`;
  const tokens = tokenize(raw, delim);
  const hasBareOp = tokens.some((t) => t.kind === 'char' && OPS.includes(t.ch));
  const breOnly = tokens.some(
    (t, i) => t.kind === 'esc' && ('+?|'.includes(t.ch) || (t.ch === '{' && /\d/.test(nextChar(tokens, i)))),
  );
  const breGroups = backrefs && tokens.some((t) => t.kind === 'esc' && t.ch === '(');
  const preferBre = !hasBareOp && (breOnly || breGroups);
  const readings: RegExp[] = [];
  let firstError: unknown;
  for (const bre of preferBre ? [true, false] : [false, true]) {
    const source = emit(tokens, bre);
    if (bre && /\((\?:)?\)/.test(source)) continue; // an empty group: not what a BRE writer meant
    try {
      readings.push(new RegExp(source, jsFlags));
    } catch (err) {
      firstError ??= err;
    }
  }
  const [re, other] = readings;
  if (re) return { re, other: other && other.source !== re.source ? other : null };
  const why = firstError instanceof Error ? firstError.message : String(firstError);
  throw new Error(`invalid regex: ${why.replace(/^Invalid regular expression: (\/.*\/[a-z]*: )?/, '')}`);
}

function nextChar(tokens: Token[], i: number): string {
  const t = tokens[i + 1];
  return t && t.kind !== 'bracket' ? t.ch : '';
}

/** The right-hand side of s///: `&`, `\1`..`\9`, `\n`, `\t`, GNU case conversion `\U \L \E \u \l`. */
export function parseReplacement(raw: string, delim: string): ReplacementPart[] {
  const parts: ReplacementPart[] = [];
  let text = '';
  const flush = () => {
    if (text) parts.push({ type: 'text', text });
    text = '';
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '&') {
      flush();
      parts.push({ type: 'group', n: 0 });
    } else if (c !== '\\') text += c;
    else {
      const n = raw[++i] ?? '';
      if (n >= '0' && n <= '9') {
        flush();
        parts.push({ type: 'group', n: Number(n) });
      } else if (n !== '' && 'ULEul'.includes(n) && n !== delim) {
        flush();
        parts.push({ type: 'case', mode: n as 'U' });
      } else if (n === 'n' && delim !== 'n') text += '\n';
      else if (n === 't' && delim !== 't') text += '\t';
      else text += n; // \\ \& \<delim> \<newline> and anything else: the character itself
    }
  }
  flush();
  return parts;
}
