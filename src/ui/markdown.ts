/**
 * Markdown to terminal text: marked's lexer, our own small renderer (ANSI when color is on, plain text
 * otherwise), code blocks highlighted by cli-highlight once it has loaded (it is loaded lazily: its import
 * costs about 250 ms, which interactive startup does not pay).
 */
import { Lexer, type Token, type Tokens } from 'marked';
import { paint, type StyleName } from '../headless/style.js';
import { wrapByWidth } from './text-width.js';

type Highlight = (code: string, opts: { language?: string; ignoreIllegals?: boolean }) => string;
let highlighter: Highlight | null = null;
let loading: Promise<void> | null = null;

/** Start loading the code highlighter in the background; resolves when it is ready (or failed). */
export function preloadHighlighter(): Promise<void> {
  loading ??= import('cli-highlight')
    .then((m) => {
      const mod = m as unknown as { highlight?: Highlight; default?: { highlight?: Highlight } };
      highlighter = mod.highlight ?? mod.default?.highlight ?? null;
    })
    .catch(() => undefined);
  return loading;
}

export interface Style {
  color: boolean;
}

const sgr = (name: StyleName) => (st: Style, s: string) => paint(st.color, name, s);
export const bold = sgr('bold');
export const dim = sgr('dim');
export const italic = sgr('italic');
export const underline = sgr('underline');
export const red = sgr('red');
export const green = sgr('green');
export const yellow = sgr('yellow');
export const blue = sgr('blue');
export const magenta = sgr('magenta');
export const cyan = sgr('cyan');
export const gray = sgr('gray');

function inline(tokens: Token[] | undefined, st: Style): string {
  if (!tokens) return '';
  return tokens
    .map((t) => {
      switch (t.type) {
        case 'strong':
          return bold(st, inline((t as Tokens.Strong).tokens, st));
        case 'em':
          return italic(st, inline((t as Tokens.Em).tokens, st));
        case 'del':
          return dim(st, inline((t as Tokens.Del).tokens, st));
        case 'codespan':
          return yellow(st, st.color ? (t as Tokens.Codespan).text : `\`${(t as Tokens.Codespan).text}\``);
        case 'link': {
          const l = t as Tokens.Link;
          const label = inline(l.tokens, st);
          return label === l.href ? underline(st, label) : `${label} (${underline(st, l.href)})`;
        }
        case 'br':
          return '\n';
        case 'text': {
          const tt = t as Tokens.Text;
          return tt.tokens ? inline(tt.tokens, st) : unescape(tt.text);
        }
        case 'escape':
          return (t as Tokens.Escape).text;
        default:
          return unescape((t as { raw?: string }).raw ?? '');
      }
    })
    .join('');
}

function unescape(s: string): string {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}

export function highlightCode(code: string, lang: string | undefined, st: Style): string {
  if (!st.color) return code;
  if (highlighter) {
    try {
      return highlighter(code, { ...(lang ? { language: lang } : {}), ignoreIllegals: true });
    } catch {
      /* unknown language: plain */
    }
  }
  return cyan(st, code);
}

function block(t: Token, st: Style, width: number): string[] {
  switch (t.type) {
    case 'heading': {
      const h = t as Tokens.Heading;
      const text = inline(h.tokens, st);
      return wrapByWidth(h.depth <= 2 ? bold(st, underline(st, text)) : bold(st, text), width);
    }
    case 'paragraph':
      return wrapByWidth(inline((t as Tokens.Paragraph).tokens, st), width);
    case 'text':
      return wrapByWidth(inline((t as Tokens.Text).tokens, st) || (t as Tokens.Text).text, width);
    case 'code': {
      const c = t as Tokens.Code;
      const body = highlightCode(c.text, c.lang || undefined, st);
      return body.split('\n').map((l) => `  ${l}`);
    }
    case 'blockquote': {
      const inner = (t as Tokens.Blockquote).tokens.flatMap((x) => block(x, st, width - 2));
      return inner.map((l) => `${gray(st, '│')} ${dim(st, l)}`);
    }
    case 'list': {
      const l = t as Tokens.List;
      const start = typeof l.start === 'number' ? l.start : 1;
      return l.items.flatMap((item, i) => {
        const bullet = l.ordered ? `${start + i}.` : item.task ? (item.checked ? '[x]' : '[ ]') : '•';
        const pad = ' '.repeat(bullet.length + 1);
        // wrapped here, not by the terminal, so continuation lines hang under the text, not the bullet
        const inner = width - pad.length;
        const body = item.tokens.flatMap((x) =>
          x.type === 'text'
            ? wrapByWidth(inline((x as Tokens.Text).tokens, st) || (x as Tokens.Text).text, inner)
            : block(x, st, inner),
        );
        return body.flatMap((b, j) =>
          b.split('\n').map((line, k) => (j === 0 && k === 0 ? `${cyan(st, bullet)} ${line}` : `${pad}${line}`)),
        );
      });
    }
    case 'hr':
      return [gray(st, '─'.repeat(Math.max(3, Math.min(width, 40))))];
    case 'table': {
      const tb = t as Tokens.Table;
      const rows = [
        tb.header.map((c) => inline(c.tokens, st)),
        ...tb.rows.map((r) => r.map((c) => inline(c.tokens, st))),
      ];
      return rows.map((r, i) => (i === 0 ? bold(st, r.join(' │ ')) : r.join(' │ ')));
    }
    case 'space':
      return [];
    case 'html':
      return [(t as Tokens.HTML).text.replace(/\n$/, '')];
    default:
      return [((t as { raw?: string }).raw ?? '').replace(/\n$/, '')];
  }
}

/** Render markdown for the terminal: blocks separated by blank lines. */
export function renderMarkdown(text: string, st: Style, width = 80): string {
  let tokens: Token[];
  try {
    tokens = new Lexer({ gfm: true }).lex(text);
  } catch {
    return text;
  }
  const blocks = tokens.filter((t) => t.type !== 'space').map((t) => block(t, st, width).join('\n'));
  return blocks.join('\n\n');
}
