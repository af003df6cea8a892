import { execFileSync } from 'node:child_process';
import { openSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGrepTool } from '../../src/tools/grep.js';
import { createRgSplitter, type RgRecord } from '../../src/tools/rg-lines.js';
import { makeTempRepo } from '../support/repo.js';

let repo: { dir: string; cleanup: () => void };
beforeEach(() => {
  repo = makeTempRepo({ 'a.txt': 'needle in a\n', 'z.txt': 'another needle\n' });
});
afterEach(() => repo.cleanup());

const run = (args: object, timeoutMs?: number) =>
  createGrepTool({ workspace: repo.dir, ...(timeoutMs ? { timeoutMs } : {}) }).run(JSON.stringify(args), {
    callId: 'g',
    signal: new AbortController().signal,
  });

describe('issue 13.4: grep limits', () => {
  it('a 100 MB matching line is cut with a marker and other files still answer', async () => {
    const fd = openSync(join(repo.dir, 'huge.txt'), 'w');
    const block = Buffer.alloc(1024 * 1024, 'x');
    writeSync(fd, 'start needle ');
    for (let i = 0; i < 100; i++) writeSync(fd, block);
    writeSync(fd, '\nsecond line needle\n');
    closeSync(fd);
    const started = performance.now();
    const r = await run({ pattern: 'needle' }, 30_000);
    const ms = performance.now() - started;
    expect(r.isError).toBeFalsy();
    expect(r.output).toContain('a.txt:1:needle in a');
    expect(r.output).toContain('z.txt:1:another needle');
    expect(r.output).toContain('huge.txt:2:second line needle');
    expect(r.output).toMatch(/huge\.txt:1:start needle x{300,}… \[line cut: about 102\d{3} KB\]/);
    expect(r.output.length).toBeLessThan(5000);
    expect(ms).toBeLessThan(25_000);
  }, 60_000);

  it('a FIFO named as the path is refused at once; a walk skips it', async () => {
    execFileSync('mkfifo', [join(repo.dir, 'pipe')]);
    const started = performance.now();
    const direct = await run({ pattern: 'needle', path: 'pipe' }, 20_000);
    expect(direct.isError).toBe(true);
    expect(direct.output).toContain('not a regular file');
    const walk = await run({ pattern: 'needle' }, 20_000);
    expect(walk.output).toContain('a.txt:1:needle in a');
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('long ordinary lines are capped at 400 columns with a marker', async () => {
    writeFileSync(join(repo.dir, 'long.txt'), `needle ${'y'.repeat(5000)}\n`);
    const r = await run({ pattern: 'needle', path: 'long.txt' });
    expect(r.output).toMatch(/long\.txt:1:needle y+… \[4607 more characters\]/);
  });

  it('the splitter is linear and exact across chunk boundaries', () => {
    const got: RgRecord[] = [];
    const s = createRgSplitter((r) => got.push(r), { maxColumns: 10, maxRecordChars: 100 });
    const big = `{"type":"match","data":{"path":{"text":"p\\"q"},"lines":{"text":"ab\\u00e9${'z'.repeat(500)}\\n"},"line_number":7,"submatches":[]}}`;
    const small = '{"type":"match","data":{"path":{"text":"s"},"lines":{"text":"hi\\n"},"line_number":2}}';
    const all = `${big}\n${small}\n`;
    for (let i = 0; i < all.length; i += 7) s.push(all.slice(i, i + 7));
    s.end();
    expect(got).toEqual([
      { type: 'match', path: 'p"q', lineNumber: 7, text: 'abézzzzzzz… [line cut: about 1 KB]' },
      { type: 'match', path: 's', lineNumber: 2, text: 'hi' },
    ]);
  });
});
