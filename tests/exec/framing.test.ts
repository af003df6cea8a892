import { describe, expect, it } from 'vitest';
import { createFrameParser } from '../../src/exec/framing.js';

const N = '0123456789abcdef';
const stream = `garbage\r\n__SEDGE_${N}_S__\r\nline one\r\nno newline__SEDGE_x\r\nlast\r\n\r\n__SEDGE_${N}_E_42__\r\nafter`;

function parse(chunks: string[]) {
  const out: string[] = [];
  let ended = 0;
  const p = createFrameParser(
    N,
    (t) => out.push(t),
    () => ended++,
  );
  for (const c of chunks) p.push(c);
  return { text: out.join(''), ended, code: p.exitCode, phase: p.phase, parts: out };
}

describe('createFrameParser', () => {
  it('extracts the body and the status in one chunk', () => {
    expect(parse([stream])).toMatchObject({
      text: 'line one\r\nno newline__SEDGE_x\r\nlast\r\n',
      ended: 1,
      code: 42,
      phase: 'end',
    });
  });

  it('gives the same result however the stream is split', () => {
    for (let size = 1; size <= 9; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.slice(i, i + size));
      const r = parse(chunks);
      expect(r.text).toBe('line one\r\nno newline__SEDGE_x\r\nlast\r\n');
      expect(r.code).toBe(42);
      expect(r.ended).toBe(1);
      expect(r.parts.join('')).not.toContain('__SEDGE_0');
    }
  });

  it('streams text before the end sentinel arrives', () => {
    const out: string[] = [];
    const p = createFrameParser(
      N,
      (t) => out.push(t),
      () => undefined,
    );
    p.push(`__SEDGE_${N}_S__\r\nprogress 10%`);
    expect(out.join('')).toBe('progress 10%');
    p.push('\r\n__SEDGE_');
    expect(out.join('')).toBe('progress 10%');
    p.flush();
    expect(out.join('')).toBe('progress 10%\r\n__SEDGE_');
  });
});
