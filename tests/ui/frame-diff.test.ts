import { describe, expect, it } from 'vitest';
import { createFrameDiffer } from '../../src/ui/frame-diff.js';

// ansi-escapes eraseLines(n), as Ink writes it before a frame
const erase = (n: number) => `${'\x1b[2K\x1b[1A'.repeat(n - 1)}\x1b[2K\x1b[G`;

describe('frame differ', () => {
  it('passes the first frame and static output through, then rewrites only changed lines', () => {
    const d = createFrameDiffer();
    const f1 = 'streaming te\n\n› \nstatus 1s\n';
    expect(d.filter(f1)).toBe(f1);
    // the streamed line grew; prompt and status are the same
    const f2 = 'streaming text\n\n› \nstatus 1s\n';
    expect(d.filter(erase(5) + f2)).toBe('\x1b[4A\rstreaming text\x1b[K\n\x1b[1B\x1b[1B\x1b[1B');
    // only the status line changed
    const f3 = 'streaming text\n\n› \nstatus 2s\n';
    expect(d.filter(erase(5) + f3)).toBe('\x1b[1A\rstatus 2s\x1b[K\n');
    // identical: nothing
    expect(d.filter(erase(5) + f3)).toBe('');
  });

  it('erases what is left below when the frame shrinks, and draws new rows when it grows', () => {
    const d = createFrameDiffer();
    d.filter('a\nb\nc\n');
    expect(d.filter(`${erase(4)}a\nB\n`)).toBe('\x1b[2A\rB\x1b[K\n\x1b[J');
    expect(d.filter(`${erase(3)}a\nB\nc\nd\n`)).toBe('\rc\x1b[K\nd\x1b[K\n');
  });

  it('falls back to what Ink wrote when it cannot be sure', () => {
    const d = createFrameDiffer();
    // no known frame yet: pass through
    const w = `${erase(3)}x\ny\n`;
    expect(d.filter(w)).toBe(w);
    // a clear (erase only) forgets the frame; static output and the next frame pass through
    expect(d.filter(erase(3))).toBe(erase(3));
    expect(d.filter('static line\n')).toBe('static line\n');
    expect(d.filter('x\ny\n')).toBe('x\ny\n');
    // a different erase count than the known frame: pass through
    const odd = `${erase(7)}x\ny\n`;
    expect(d.filter(odd)).toBe(odd);
    // frames with cursor movement inside, and control sequences, pass through
    expect(d.filter('\x1b[?2026h')).toBe('\x1b[?2026h');
    const moving = `${erase(3)}x\x1b[2Ay\n`;
    expect(d.filter(moving)).toBe(moving);
  });
});
