import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGrepTool } from '../../src/tools/grep.js';
import { makeTempRepo } from '../support/repo.js';

let repo: { dir: string; cleanup: () => void };
beforeEach(() => {
  repo = makeTempRepo({
    '.gitignore': 'build/\n',
    'src/a.ts': 'export const alpha = 1;\n// TODO one\nconst x = alpha + 1;\n',
    'src/b.js': 'const beta = 2; // TODO two\n',
    'build/out.js': 'TODO ignored\n',
    'docs/--pre=cat.md': '--pre=cat literal\n',
    'many.txt': Array.from({ length: 300 }, (_, i) => `hit ${i}`).join('\n'),
  });
});
afterEach(() => repo.cleanup());

const run = (args: object) =>
  createGrepTool({ workspace: repo.dir }).run(JSON.stringify(args), {
    callId: 'g',
    signal: new AbortController().signal,
  });

describe('grep tool', () => {
  it('returns path:line:text and respects .gitignore', async () => {
    const r = await run({ pattern: 'TODO' });
    expect(r.isError).toBeFalsy();
    expect(r.output).toContain('src/a.ts:2:// TODO one');
    expect(r.output).toContain('src/b.js:1:const beta = 2; // TODO two');
    expect(r.output).not.toContain('build/out.js');
  });

  it('filters by glob and path, with context and case folding', async () => {
    expect((await run({ pattern: 'todo', glob: '*.ts', ignore_case: true })).output).not.toContain('b.js');
    const ctx = await run({ pattern: 'TODO one', path: 'src', context: 1 });
    expect(ctx.output).toContain('src/a.ts-1-export const alpha = 1;');
    expect(ctx.output).toContain('src/a.ts-3-const x = alpha + 1;');
  });

  it('caps results and says how many were left out', async () => {
    const r = await run({ pattern: '^hit', max_results: 10 });
    expect(r.output).toMatch(/^300 match\(es\) in 1 file\(s\), first 10 shown/);
    expect(r.output).toContain('[290 more match(es) not shown');
    expect(r.output.split('\n').filter((l) => l.startsWith('many.txt:'))).toHaveLength(10);
  });

  it('treats flag-looking patterns as text: --pre can never run a program', async () => {
    writeFileSync(join(repo.dir, 'marker'), '');
    const r = await run({ pattern: '--pre=cat' });
    expect(r.isError).toBeFalsy();
    expect(r.output).toContain('--pre=cat literal');
  });

  it('explains a bad regex, a path outside the workspace and no matches', async () => {
    const bad = await run({ pattern: 'foo(' });
    expect(bad.isError).toBe(true);
    expect(bad.output).toMatch(/Invalid regular expression/);
    const out = await run({ pattern: 'x', path: '../..' });
    expect(out.isError).toBe(true);
    expect(out.output).toMatch(/outside the workspace/);
    const none = await run({ pattern: 'zzz_nothing' });
    expect(none.isError).toBeFalsy();
    expect(none.output).toBe('No matches for /zzz_nothing/ in the repository.');
  });
});
