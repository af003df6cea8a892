/**
 * Line-level diffing of Ink's live frame. Ink (standard mode) redraws its whole live frame on every
 * render: erase the previous frame's lines, write the new frame. When only the status line or the last
 * streamed line changed, that rewrites lines that did not change. This filter sits between Ink and the
 * terminal: a write that erases exactly the previous frame and draws a new one becomes "move up to the
 * first changed line, rewrite only the changed lines, erase what is left below". The terminal ends in the
 * same state, with the cursor where Ink expects it. Anything else (static output, cursor and
 * synchronized-output sequences) passes through untouched. (Ink's own incremental mode positions the
 * cursor one line off when frames end with a newline, which is why it is not used.)
 */

// ansi-escapes eraseLines(n): n times ESC[2K, with ESC[1A between them, then ESC[G.
const ERASE_FRAME = /^((?:\x1b\[2K\x1b\[1A)*)\x1b\[2K\x1b\[G/;
const ERASE_ONE = '\x1b[2K\x1b[1A';

export interface FrameDiffer {
  /** what to write to the terminal instead of `chunk` */
  filter(chunk: string): string;
  /** forget the frame (after a resize, or when the app stops) */
  reset(): void;
}

export function createFrameDiffer(): FrameDiffer {
  // Lines of the live frame on screen, including the empty last element after its final newline
  // (the cursor sits at the start of that line). null: unknown.
  let prev: string[] | null = null;

  const diff = (before: string[], after: string[]): string => {
    const n = Math.min(before.length, after.length) - 1; // comparable content rows
    let first = 0;
    while (first < n && before[first] === after[first]) first++;
    if (first === n && before.length === after.length) return ''; // identical
    const up = before.length - 1 - first;
    let out = up > 0 ? `\x1b[${up}A\r` : '\r';
    for (let i = first; i < after.length - 1; i++) {
      if (i < before.length - 1 && before[i] === after[i]) out += '\x1b[1B';
      else out += `${after[i]}\x1b[K\n`;
    }
    if (after.length < before.length) out += '\x1b[J';
    return out;
  };

  return {
    filter(chunk) {
      if (!chunk.includes('\x1b[2K') && !chunk.startsWith('\x1b[?')) {
        // a plain write: static output, or a frame drawn after a clear; the last one is the frame
        prev = chunk.endsWith('\n') && !/\x1b\[(\d+)?[ABCDHJ]/.test(chunk) ? chunk.split('\n') : null;
        return chunk;
      }
      const m = ERASE_FRAME.exec(chunk);
      if (!m) {
        if (!chunk.startsWith('\x1b[?')) prev = null;
        return chunk;
      }
      const erased = m[1]!.length / ERASE_ONE.length + 1;
      const frame = chunk.slice(m[0].length);
      if (frame === '') {
        prev = null; // a clear: static output and a new frame follow
        return chunk;
      }
      const next = frame.split('\n');
      if (!frame.endsWith('\n') || /\x1b\[(\d+)?[ABCDHJ]/.test(frame)) {
        prev = null; // not a frame this filter understands
        return chunk;
      }
      if (prev === null || erased !== prev.length) {
        prev = next;
        return chunk;
      }
      const out = diff(prev, next);
      prev = next;
      return out;
    },
    reset() {
      prev = null;
    },
  };
}

/** A stdout for Ink whose writes go through the frame differ; everything else is the real stream. */
export function diffingStdout(
  stdout: NodeJS.WriteStream,
  differ: FrameDiffer = createFrameDiffer(),
): NodeJS.WriteStream {
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? differ.filter(chunk) : chunk;
    if (text === '') {
      // nothing to write, but a caller waiting for the write callback (Ink does on unmount) must hear back
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      if (cb) process.nextTick(cb);
      return true;
    }
    return (stdout.write as (...a: unknown[]) => boolean)(text, ...rest);
  };
  stdout.on('resize', () => differ.reset());
  return new Proxy(stdout, {
    get(target, key) {
      if (key === 'write') return write;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
