/**
 * Split a bash command into every simple command it runs, for the approval policy: `;`, `&&`, `||`, `&`,
 * pipes, newlines, subshells and braces separate segments; `$(…)`, backticks and `<(…)` are parsed as
 * segments of their own; `bash -c STR`, `sh -c STR` and `eval STR` are parsed recursively; redirections are
 * kept with their targets. Quotes and escapes are honoured. Not a full bash parser: anything it cannot read
 * (an unterminated quote, nesting deeper than 8) is reported as `unparsable`, which the policy treats as the
 * worst case.
 */
export interface Redirect {
  op: string;
  target: string;
}

export interface Segment {
  argv: string[];
  redirects: Redirect[];
}

export interface ParsedCommand {
  segments: Segment[];
  unparsable: boolean;
}

const MAX_DEPTH = 8;
const PLAIN = /[^\s\\'"`$<>&;|(){}#]+/y;
const SEPARATORS = new Set([';', '&', '|', '\n', '(', ')', '{', '}']);

export function parseCommand(command: string): ParsedCommand {
  const out: ParsedCommand = { segments: [], unparsable: false };
  parseInto(command, out, 0);
  return out;
}

function parseInto(src: string, out: ParsedCommand, depth: number): void {
  if (depth > MAX_DEPTH) {
    out.unparsable = true;
    return;
  }
  let argv: string[] = [];
  let redirects: Redirect[] = [];
  let word = '';
  let inWord = false;
  let pendingRedirect: string | null = null;

  const endWord = () => {
    if (!inWord) return;
    if (pendingRedirect !== null) redirects.push({ op: pendingRedirect, target: word });
    else argv.push(word);
    pendingRedirect = null;
    word = '';
    inWord = false;
  };
  const endSegment = () => {
    endWord();
    if (argv.length || redirects.length) {
      out.segments.push({ argv, redirects });
      nested(argv, out, depth);
    }
    argv = [];
    redirects = [];
  };
  /** the text of a $( … ) / <( … ) starting after its '(' at i; returns [inner, index after ')'] */
  const balanced = (i: number): [string, number] | null => {
    let level = 1;
    let quote: string | null = null;
    for (let j = i; j < src.length; j++) {
      const c = src[j];
      if (quote) {
        if (c === '\\' && quote === '"') j++;
        else if (c === quote) quote = null;
      } else if (c === '\\') j++;
      else if (c === "'" || c === '"') quote = c;
      else if (c === '(') level++;
      else if (c === ')' && --level === 0) return [src.slice(i, j), j + 1];
    }
    return null;
  };

  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (c === '\\') {
      if (src[i + 1] === '\n') {
        i++;
        continue;
      }
      word += src[i + 1] ?? '';
      inWord = true;
      i++;
    } else if (c === "'") {
      const end = src.indexOf("'", i + 1);
      if (end < 0) return void (out.unparsable = true);
      word += src.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < src.length && src[j] !== '"'; j++) {
        if (src[j] === '\\') {
          word += src[j + 1] ?? '';
          j++;
        } else if (src[j] === '$' && src[j + 1] === '(') {
          const inner = balanced(j + 2);
          if (!inner) return void (out.unparsable = true);
          parseInto(inner[0], out, depth + 1);
          word += src.slice(j, inner[1]);
          j = inner[1] - 1;
        } else if (src[j] === '`') {
          const end = src.indexOf('`', j + 1);
          if (end < 0) return void (out.unparsable = true);
          parseInto(src.slice(j + 1, end), out, depth + 1);
          word += src.slice(j, end + 1);
          j = end;
        } else word += src[j];
      }
      if (j >= src.length) return void (out.unparsable = true);
      inWord = true;
      i = j;
    } else if ((c === '$' || c === '<' || c === '>') && src[i + 1] === '(') {
      const inner = balanced(i + 2);
      if (!inner) return void (out.unparsable = true);
      parseInto(inner[0], out, depth + 1);
      word += src.slice(i, inner[1]);
      inWord = true;
      i = inner[1] - 1;
    } else if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) return void (out.unparsable = true);
      parseInto(src.slice(i + 1, end), out, depth + 1);
      word += src.slice(i, end + 1);
      inWord = true;
      i = end;
    } else if (c === '#' && !inWord) {
      while (i < src.length && src[i] !== '\n') i++;
      endSegment();
    } else if (c === '>' || c === '<') {
      // [n]> [n]>> &> >& <  <<< ; a leading fd number belongs to the operator
      let op = c;
      if (inWord && /^\d+$/.test(word)) {
        op = word + c;
        word = '';
        inWord = false;
      } else endWord();
      while (src[i + 1] === '>' || src[i + 1] === '&' || src[i + 1] === '<' || src[i + 1] === '|') op += src[++i];
      pendingRedirect = op;
    } else if (c === '&' && src[i + 1] === '>') {
      endWord();
      let op = '&>';
      i++;
      if (src[i + 1] === '>') op += src[++i];
      pendingRedirect = op;
    } else if (SEPARATORS.has(c)) {
      endSegment();
    } else if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
    } else {
      // a run of ordinary characters at once (a 200 kB argument must not cost a loop turn per character)
      PLAIN.lastIndex = i;
      const run = PLAIN.exec(src)?.[0] ?? c;
      word += run;
      i += run.length - 1;
      inWord = true;
    }
  }
  if (pendingRedirect !== null && !inWord) out.unparsable = true;
  endSegment();
}

const WRAPPERS = new Set(['sudo', 'doas', 'env', 'nohup', 'time', 'nice', 'timeout', 'xargs', 'exec', 'command']);

/** `bash -c STR`, `eval STR`, and commands behind wrappers (`env X=1 cmd`, `xargs cmd`) are segments too. */
function nested(argv: string[], out: ParsedCommand, depth: number): void {
  const words = argv.filter((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
  const name = basename(words[0] ?? '');
  if (['bash', 'sh', 'zsh', 'dash', 'ksh'].includes(name)) {
    const at = words.findIndex((w, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(w));
    if (at > 0 && words[at + 1] !== undefined) parseInto(words[at + 1] as string, out, depth + 1);
  } else if (name === 'eval') {
    parseInto(words.slice(1).join(' '), out, depth + 1);
  } else if (WRAPPERS.has(name)) {
    let rest = words.slice(1);
    while (rest.length && (rest[0]?.startsWith('-') || /^\d+[smhd]?$/.test(rest[0] ?? ''))) rest = rest.slice(1);
    if (rest.length) {
      out.segments.push({ argv: rest, redirects: [] });
      nested(rest, out, depth + 1);
    }
  }
}

export function basename(word: string): string {
  const i = word.lastIndexOf('/');
  return i >= 0 ? word.slice(i + 1) : word;
}
