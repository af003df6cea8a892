/**
 * Turning what a terminal or a pipe produced into text a model can read: escapes stripped, line endings
 * normalised, carriage-return progress bars collapsed, binary noticed. Plus a bounded capture buffer so a
 * runaway command (`yes`) cannot exhaust memory before its timeout.
 */
import { stripVTControlCharacters } from 'node:util';

/** Apply `\r` the way a terminal would on one line: later segments overwrite the start of earlier ones. */
function collapseCarriageReturns(line: string): string {
  if (!line.includes('\r')) return line;
  let shown = '';
  for (const segment of line.split('\r')) shown = segment + shown.slice(segment.length);
  return shown;
}

/** Apply backspaces (`a\bb` -> `b`), as used by overstrike bold in man pages and some spinners. */
function applyBackspaces(line: string): string {
  if (!line.includes('\b')) return line;
  const out: string[] = [];
  for (const ch of line) {
    if (ch === '\b') out.pop();
    else out.push(ch);
  }
  return out.join('');
}

/** What the model sees from raw terminal or pipe text (not for binary; see describeBinary). */
export function normalizeOutput(raw: string): string {
  const text = stripVTControlCharacters(raw).replace(/\r+\n/g, '\n');
  return text
    .split('\n')
    .map((line) => applyBackspaces(collapseCarriageReturns(line)))
    .join('\n')
    .replace(/\u0007/g, '');
}

/**
 * True when the text looks like binary data: any NUL, or more than 10% of characters that are neither
 * printable nor ordinary whitespace (U+FFFD counts: it is what invalid UTF-8 decodes to).
 */
export function looksBinary(text: string): boolean {
  if (text.includes('\u0000')) return true;
  if (text.length === 0) return false;
  let odd = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x1b && c !== 0x08) || c === 0x7f || c === 0xfffd)
      odd++;
  }
  return odd / text.length > 0.1;
}

/** Model-facing text for an output: normalised, or a note saying binary data was left out. */
export function presentOutput(raw: string): { text: string; binary: boolean } {
  if (looksBinary(raw)) {
    const bytes = Buffer.byteLength(raw, 'utf8');
    return {
      text: `[binary output omitted: ${bytes} bytes. Redirect it to a file, or inspect it with \`xxd | head\` or \`file\`.]`,
      binary: true,
    };
  }
  return { text: normalizeOutput(raw), binary: false };
}

/** Keeps the first and last `maxChars / 2` characters of a stream; counts what fell out in between. */
export interface Capture {
  push(chunk: string): void;
  text(): string;
  readonly truncated: boolean;
  readonly totalChars: number;
}

export function createCapture(maxChars: number): Capture {
  const half = Math.max(1, Math.floor(maxChars / 2));
  let head = '';
  let tail = '';
  let total = 0;
  let overflow = false;
  return {
    push(chunk) {
      total += chunk.length;
      if (!overflow) {
        head += chunk;
        if (head.length <= maxChars) return;
        overflow = true;
        tail = head.slice(half);
        head = head.slice(0, half);
      } else {
        tail += chunk;
      }
      if (tail.length > half * 2) tail = tail.slice(tail.length - half);
    },
    text() {
      if (!overflow) return head;
      const keptTail = tail.length > half ? tail.slice(tail.length - half) : tail;
      const omitted = total - head.length - keptTail.length;
      return `${head}\n[… ${omitted} characters of output dropped …]\n${keptTail}`;
    },
    get truncated() {
      return overflow;
    },
    get totalChars() {
      return total;
    },
  };
}
