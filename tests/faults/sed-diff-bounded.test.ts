import { realpathSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { boundedDiff } from '../../src/tools/bounded-diff.js';
import { createSedTool } from '../../src/tools/sed.js';

let ws: string;
beforeEach(async () => {
  ws = realpathSync(await mkdtemp(join(tmpdir(), 'sedge-bdiff-')));
});
afterEach(async () => {
  await rm(ws, { recursive: true, force: true });
});

describe('issue 13.1: a sed edit of every line of a mid-sized file', () => {
  it('returns within seconds with a summary instead of a quadratic diff', async () => {
    const n = 16_000;
    await writeFile(join(ws, 'big.txt'), `${Array.from({ length: n }, (_, i) => `row ${i} a${i % 7}`).join('\n')}\n`);
    const tool = createSedTool({ workspace: ws });
    const started = performance.now();
    const r = await tool.run(JSON.stringify({ path: 'big.txt', script: 's/^row/ROW/' }), {
      callId: 'c1',
      signal: new AbortController().signal,
    });
    const ms = performance.now() - started;
    expect(r.isError).toBeFalsy();
    expect(ms).toBeLessThan(5000);
    expect(r.output).toContain('16,000 lines changed');
    expect((await readFile(join(ws, 'big.txt'), 'utf8')).startsWith('ROW 0 a0\n')).toBe(true);
  }, 20_000);

  it('still gives a full diff for small edits, and a summary names the changed range', () => {
    const small = boundedDiff('f', 'a\nb\nc\n', 'a\nB\nc\n');
    expect(small.complete).toBe(true);
    expect(small.text).toContain('-b\n+B');
    const old = `${Array.from({ length: 9000 }, (_, i) => `x${i}`).join('\n')}\n`;
    const neu = `head\n${Array.from({ length: 9000 }, (_, i) => `y${i}`).join('\n')}\n`;
    const big = boundedDiff('f', old, neu, { maxEditLength: 100 });
    expect(big.complete).toBe(false);
    expect(big.text).toMatch(/9,001 lines changed \(lines 1-9,000: 9,000 removed, 9,001 added\)/);
  });
});
