import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillPrompt, promptsDir } from '../../src/config/prompts.js';

const SRC = resolve(__dirname, '..', '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe('prompts/', () => {
  it('every prompt the code names exists', () => {
    const named = new Set<string>();
    for (const file of sources(SRC))
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:readPrompt|fillPrompt)\('([^']+)'/g)) named.add(m[1]!);
    expect(named.size).toBeGreaterThan(10);
    for (const p of named) expect(existsSync(join(promptsDir(), p)), p).toBe(true);
  });

  it('fills every placeholder it is given, wherever it occurs', () => {
    const text = fillPrompt('notes/output-saved.md', { lines: 900, path: '/tmp/out.txt' });
    expect(text).toContain('(900 lines) saved to /tmp/out.txt');
    expect(text).toContain('{"path": "/tmp/out.txt", "script": "1,200p"}');
    expect(text).not.toContain('{{');
  });
});
