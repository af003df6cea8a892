import { describe, expect, it } from 'vitest';
import { createGrepTool } from '../../src/tools/grep.js';
import { createSedTool } from '../../src/tools/sed.js';
import { createShellTool } from '../../src/tools/shell.js';
import { createThinkTool } from '../../src/tools/think.js';

describe('kind per call', () => {
  const sed = createSedTool({ workspace: process.cwd() });
  const kind = (script: string) => sed.kindOf({ path: 'a.txt', script });

  it('a sed script that only prints is a read; any edit command makes it an edit', () => {
    for (const s of ['1,40p', '=', '10q', '/foo/p', '1,3{p}', '$=']) expect(kind(s), s).toBe('read');
    for (const s of ['s/a/b/', '5d', '2i\\\nnew line', '1,3{s/a/b/}', 's/a/b/p']) expect(kind(s), s).toBe('edit');
  });

  it('arguments that do not validate or parse take the widest kind', () => {
    expect(kind('not a sed script ((')).toBe('edit');
    expect(sed.kindOf({ path: 'a.txt' })).toBe('edit');
    expect(sed.kindOf('{"path": "a.txt", "scr')).toBe('edit');
  });

  it('grep is a read, shell executes, think thinks', async () => {
    const shell = createShellTool({ workspace: process.cwd() });
    try {
      expect(createGrepTool({ workspace: process.cwd() }).kindOf({ pattern: 'x' })).toBe('read');
      expect(shell.kindOf({ command: 'cat README.md' })).toBe('execute');
      expect(createThinkTool().kindOf({ thought: 'hm' })).toBe('think');
    } finally {
      await shell.dispose?.();
    }
  });
});
