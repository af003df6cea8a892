/**
 * Splitting ripgrep's JSON output into records in linear time, with every line's text capped: `rg --json`
 * ignores --max-columns, so one 100 MB matching line arrives as one 100 MB JSON record. Past `maxRecordChars`
 * a record is not buffered: its head and the fields after the text (line_number) are kept, the rest is counted.
 */

export interface RgRecord {
  type: string;
  path: string;
  lineNumber: number | null;
  /** the line's text, at most `maxColumns` characters, with a marker when cut */
  text: string;
}

export interface RgSplitter {
  push(chunk: string): void;
  end(): void;
}

const TEXT_MARK = '"lines":{"text":"';
const NUMBER_RE = /"line_number":(\d+)/;

export function createRgSplitter(
  onRecord: (r: RgRecord) => void,
  opts: { maxColumns: number; maxRecordChars?: number },
): RgSplitter {
  const maxRecord = opts.maxRecordChars ?? 1_000_000;
  let parts: string[] = [];
  let size = 0;
  // state of an overlong record: its head, the chars seen, and the line number once found
  let head: string | null = null;
  let seen = 0;
  let carry = '';
  let lineNumber: number | null = null;

  const complete = (line: string) => {
    if (!line) return;
    if (line.length > maxRecord) return overlong(line, line.length, matchNumber(line));
    let msg: { type?: string; data?: RawData };
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (!msg.type || !msg.data) return;
    const raw = msg.data.lines?.text;
    onRecord({
      type: msg.type,
      path: msg.data.path?.text ?? '(binary path)',
      lineNumber: msg.data.line_number ?? null,
      text: raw === undefined ? '[non-UTF-8 line]' : clip(raw.replace(/\r?\n$/, ''), opts.maxColumns),
    });
  };

  const overlong = (start: string, total: number, num: number | null) => {
    const type = /^\{"type":"(\w+)"/.exec(start)?.[1] ?? '';
    const path = /"path":\{"text":"((?:[^"\\]|\\.)*)"\}/.exec(start)?.[1];
    const at = start.indexOf(TEXT_MARK);
    const text =
      at < 0 ? '' : partialJsonString(start.slice(at + TEXT_MARK.length, at + TEXT_MARK.length + opts.maxColumns * 6));
    onRecord({
      type,
      path: path === undefined ? '(unknown path)' : decode(path),
      lineNumber: num,
      text: `${text.slice(0, opts.maxColumns)}… [line cut: about ${Math.round(total / 1024)} KB]`,
    });
  };

  const push = (chunk: string) => {
    let from = 0;
    while (from < chunk.length) {
      const nl = chunk.indexOf('\n', from);
      const piece = nl < 0 ? chunk.slice(from) : chunk.slice(from, nl);
      if (head !== null) {
        seen += piece.length;
        if (lineNumber === null) {
          const window = carry + piece;
          lineNumber = matchNumber(window);
          carry = window.slice(-40);
        }
      } else {
        parts.push(piece);
        size += piece.length;
        if (size > maxRecord) {
          head = parts.join('').slice(0, opts.maxColumns * 6 + 4096);
          seen = size;
          const joined = parts.join('');
          lineNumber = matchNumber(joined);
          carry = joined.slice(-40);
          parts = [];
          size = 0;
        }
      }
      if (nl < 0) return;
      if (head !== null) {
        overlong(head, seen, lineNumber);
        head = null;
        lineNumber = null;
        carry = '';
      } else {
        complete(parts.join(''));
        parts = [];
        size = 0;
      }
      from = nl + 1;
    }
  };

  return {
    push,
    end() {
      if (head !== null) overlong(head, seen, lineNumber);
      else complete(parts.join(''));
      head = null;
      parts = [];
      size = 0;
    },
  };
}

interface RawData {
  path?: { text?: string };
  line_number?: number;
  lines?: { text?: string };
}

function matchNumber(s: string): number | null {
  const m = NUMBER_RE.exec(s);
  return m ? Number(m[1]) : null;
}

export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… [${text.length - max} more characters]` : text;
}

/** Decode the start of a JSON string body that may be cut anywhere (even inside an escape). */
function partialJsonString(body: string): string {
  let i = 0;
  while (i < body.length && body[i] !== '"') {
    if (body[i] !== '\\') i++;
    else if (body[i + 1] === 'u') {
      if (i + 6 > body.length) break;
      i += 6;
    } else if (i + 2 > body.length) break;
    else i += 2;
  }
  return decode(body.slice(0, i));
}

function decode(s: string): string {
  try {
    return JSON.parse(`"${s}"`) as string;
  } catch {
    return s.replace(/\\(.)/g, '$1');
  }
}
