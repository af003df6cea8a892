import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSedTool } from '../../src/tools/sed.js';
import type { Tool, ToolContext } from '../../src/tools/tool.js';

let base: string;
let ws: string;
let saved: string;
let tool: Tool;
const ctx = (): ToolContext => ({ callId: 'c1', signal: new AbortController().signal });
const sed = (path: string, script: string) => tool.run(JSON.stringify({ path, script }), ctx());
const read = (rel: string) => readFile(join(ws, rel), 'utf8');
const lines = (n: number) => `${Array.from({ length: n }, (_, i) => `line ${i + 1}`).join('\n')}\n`;

beforeEach(async () => {
  base = realpathSync(await mkdtemp(join(tmpdir(), 'sedge-sed-')));
  ws = join(base, 'ws');
  saved = join(base, 'saved');
  await mkdir(join(ws, 'src'), { recursive: true });
  await mkdir(saved);
  await writeFile(join(ws, 'src', 'a.ts'), lines(212));
  tool = createSedTool({ workspace: ws, readOnlyRoots: [saved] });
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('sed tool: schema and title', () => {
  it('has a stable JSON schema', () => {
    expect(tool.kind).toBe('edit');
    expect(tool.schema.parameters).toMatchInlineSnapshot(`
      {
        "properties": {
          "path": {
            "description": "File path, relative to the repo root.",
            "type": "string",
          },
          "script": {
            "description": "sed script.",
            "type": "string",
          },
        },
        "required": [
          "path",
          "script",
        ],
        "type": "object",
      }
    `);
    expect(tool.schema.description.split(/\s+/).length).toBeLessThanOrEqual(130);
  });

  it('titles read like a sed command line', () => {
    expect(tool.title({ path: 'src/a.ts', script: '40,80p' })).toBe('sed src/a.ts 40,80p');
  });
});

describe('sed tool: views', () => {
  it('shows a numbered range with a header', async () => {
    const r = await sed('src/a.ts', '40,42p');
    expect(r.isError).toBeFalsy();
    expect(r.output).toBe('lines 40-42 of 212\n40\tline 40\n41\tline 41\n42\tline 42');
    expect(r.data).toEqual({ files_read: ['src/a.ts'] });
    expect(await read('src/a.ts')).toBe(lines(212));
  });

  it('says where the file ends and when a range is past it', async () => {
    expect((await sed('src/a.ts', '211,400p')).output).toBe(
      'lines 211-212 of 212 (end of file)\n211\tline 211\n212\tline 212',
    );
    const past = await sed('src/a.ts', '300,320p');
    expect(past.isError).toBeFalsy();
    expect(past.output).toBe('Nothing printed: `300,320p` selected no line of src/a.ts (212 lines).');
  });

  it('shows regex matches, = line numbers, and a head with q', async () => {
    expect((await sed('src/a.ts', '/line 1[05]$/p')).output).toBe('2 lines of 212\n10\tline 10\n15\tline 15');
    expect((await sed('src/a.ts', '/line 20[0-2]/=')).output).toBe('lines 200-202 of 212\n200\n201\n202');
    expect((await sed('src/a.ts', '2q')).output).toBe('lines 1-2 of 212\n1\tline 1\n2\tline 2');
    expect((await sed('src/a.ts', "sed -n '5p'")).output).toBe('line 5 of 212\n5\tline 5');
  });

  it('refuses directories, binary files and missing files with a next step', async () => {
    const dir = await sed('src', '1p');
    expect(dir.isError).toBe(true);
    expect(dir.output).toMatch(/src is a directory.*ls src/);
    await writeFile(join(ws, 'bin.dat'), Buffer.from([1, 2, 0, 3]));
    expect((await sed('bin.dat', '1p')).output).toMatch(/looks binary/);
    const missing = await sed('src/nope.ts', 's/a/b/');
    expect(missing.isError).toBe(true);
    expect(missing.output).toMatch(/src\/nope.ts does not exist.*shell tool.*cat > src\/nope.ts <<'EOF'/);
  });

  it('views an empty file', async () => {
    await writeFile(join(ws, 'empty.txt'), '');
    expect((await sed('empty.txt', '1,10p')).output).toBe('empty.txt is empty (0 lines).');
    const edit = await sed('empty.txt', '$a text');
    expect(edit.isError).toBe(true);
    expect(edit.output).toMatch(
      /^empty.txt is empty, so no command can match. To write its content use the shell tool/,
    );
  });
});

describe('sed tool: edits', () => {
  beforeEach(async () => {
    await writeFile(join(ws, 'src', 'x.ts'), 'const foo = 1;\nconst bar = foo + 1;\nexport { foo, bar };\n');
  });

  it('edits in place and returns a unified diff', async () => {
    const r = await sed('src/x.ts', 's/foo/baz/g');
    expect(r.isError).toBeFalsy();
    expect(await read('src/x.ts')).toBe('const baz = 1;\nconst bar = baz + 1;\nexport { baz, bar };\n');
    expect(r.output).toBe(
      [
        '--- src/x.ts',
        '+++ src/x.ts',
        '@@ -1,3 +1,3 @@',
        '-const foo = 1;',
        '-const bar = foo + 1;',
        '-export { foo, bar };',
        '+const baz = 1;',
        '+const bar = baz + 1;',
        '+export { baz, bar };',
      ].join('\n'),
    );
    expect(r.data?.files_changed).toEqual(['src/x.ts']);
    expect(r.data?.diff).toContain('+const baz = 1;');
  });

  it('inserts, appends, changes and deletes', async () => {
    await sed('src/x.ts', '1i\\// header\n$a\\// footer\n2c\\const bar = 2;\n/^export/d');
    expect(await read('src/x.ts')).toBe('// header\nconst foo = 1;\nconst bar = 2;\n// footer\n');
  });

  it('fails without writing when a command matches nothing', async () => {
    const r = await sed('src/x.ts', 's/nothere/x/');
    expect(r.isError).toBe(true);
    expect(r.output).toMatch(/^`s\/nothere\/x\/` matched no line in src\/x.ts; nothing was written\./);
    expect(r.output).toMatch(/view \(e\.g\. script "\/needle\/p"\)/);
  });

  it('fails without writing when one command of several matches nothing', async () => {
    const before = await read('src/x.ts');
    const r = await sed('src/x.ts', 's/foo/baz/g;/nothere/d');
    expect(r.isError).toBe(true);
    expect(r.output).toContain('`/nothere/d` matched no line in src/x.ts; nothing was written.');
    expect(r.output).toContain(
      'The other command(s) did match (`s/foo/baz/g` 3 lines), but a script is applied all or nothing',
    );
    expect(await read('src/x.ts')).toBe(before);
  });

  it('says when the other reading of the regex (literal parentheses) would have matched', async () => {
    await writeFile(join(ws, 'c.js'), 'console.log(foo(bar));\n');
    const r = await sed('c.js', 's/foo(bar)/baz/');
    expect(r.isError).toBe(true);
    expect(r.output).toContain(
      '`s/foo(bar)/baz/`: the regex was read as /foo(bar)/; read as /foo\\(bar\\)/ it would match 1 line. ' +
        'Write it unambiguously: [(] [)] [+] [|] for literal characters',
    );
    await sed('c.js', 's/foo[(]bar[)]/baz/');
    expect(await read('c.js')).toBe('console.log(baz);\n');
  });

  it('explains that \\n in a regex cannot match (one line at a time)', async () => {
    const r = await sed('src/x.ts', 's/1;\\nconst/X/');
    expect(r.isError).toBe(true);
    expect(r.output).toContain('sed matches one line at a time, so \\n in a regex never matches.');
  });

  it('reports a block that never ran rather than its body', async () => {
    const r = await sed('src/x.ts', '/nothere/{s/a/b/;d}');
    expect(r.output).toMatch(/^`\/nothere\/\{s\/a\/b\/;d\}` matched no line/);
  });

  it('an edit that matches but changes nothing is an error', async () => {
    const r = await sed('src/x.ts', 's/foo/foo/');
    expect(r.isError).toBe(true);
    expect(r.output).toBe(
      'The script matched (`s/foo/foo/` 3 lines) but left src/x.ts unchanged; nothing was written.',
    );
  });

  it('refuses p in an edit script', async () => {
    const r = await sed('src/x.ts', 's/foo/baz/;p');
    expect(r.isError).toBe(true);
    expect(r.output).toMatch(/`p` prints, but this script also edits/);
  });

  it('reports parse errors with a column', async () => {
    const r = await sed('src/x.ts', 's/foo/bar');
    expect(r.isError).toBe(true);
    expect(r.output).toMatch(/sed script error at column 6: unterminated s command replacement/);
  });

  it('keeps CRLF line endings', async () => {
    await writeFile(join(ws, 'w.txt'), 'one\r\ntwo\r\nthree\r\n');
    const r = await sed('w.txt', '2s/two/TWO/;$a four');
    expect(await read('w.txt')).toBe('one\r\nTWO\r\nthree\r\nfour\r\n');
    expect(r.output).not.toContain('\r');
    expect(r.output).toContain('(CRLF line endings kept)');
    expect((await sed('w.txt', '2p')).output).toBe('line 2 of 4\n2\tTWO');
  });

  it('keeps a missing final newline', async () => {
    await writeFile(join(ws, 'n.txt'), 'a\nb');
    await sed('n.txt', 's/b/B/;1a mid');
    expect(await read('n.txt')).toBe('a\nmid\nB');
    await sed('n.txt', '$d');
    expect(await read('n.txt')).toBe('a\nmid');
  });

  it('keeps a UTF-8 BOM and the file mode; leaves no temp files', async () => {
    await writeFile(join(ws, 'run.sh'), '\uFEFFecho hi\n');
    await chmod(join(ws, 'run.sh'), 0o751);
    await sed('run.sh', 's/^echo/printf/');
    expect(await read('run.sh')).toBe('\uFEFFprintf hi\n');
    expect((await stat(join(ws, 'run.sh'))).mode & 0o777).toBe(0o751);
    expect((await readdir(ws)).sort()).toEqual(['run.sh', 'src']);
  });

  it('refuses to edit a file that is not UTF-8, but can view it', async () => {
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]); // "café\n" in latin-1
    await writeFile(join(ws, 'l1.txt'), latin1);
    const r = await sed('l1.txt', 's/caf/CAF/');
    expect(r.isError).toBe(true);
    expect(r.output).toMatch(/l1.txt is not valid UTF-8/);
    expect(await readFile(join(ws, 'l1.txt'))).toEqual(latin1);
    expect((await sed('l1.txt', '1p')).output).toBe('line 1 of 1 (end of file)\n1\tcaf\uFFFD');
  });

  it('can delete every line', async () => {
    await sed('src/x.ts', '1,$d');
    expect(await read('src/x.ts')).toBe('');
  });
});

describe('sed tool: path confinement', () => {
  it('refuses .. and absolute paths outside the workspace', async () => {
    await writeFile(join(base, 'outside.txt'), 'x\n');
    for (const p of ['../outside.txt', join(base, 'outside.txt')]) {
      const r = await sed(p, '1p');
      expect(r.isError).toBe(true);
      expect(r.output).toMatch(/is not allowed: it resolves to .*outside the workspace/);
    }
  });

  it('refuses a symlink that points out', async () => {
    await writeFile(join(base, 'outside.txt'), 'x\n');
    await symlink(join(base, 'outside.txt'), join(ws, 'link.txt'));
    const r = await sed('link.txt', 's/x/y/');
    expect(r.isError).toBe(true);
    expect(r.output).toMatch(/symlink that points outside/);
    expect(await readFile(join(base, 'outside.txt'), 'utf8')).toBe('x\n');
  });

  it('views read-only roots but refuses to edit them', async () => {
    const file = join(saved, 'out.txt');
    await writeFile(file, 'saved 1\nsaved 2\n');
    const view = await sed(file, '2p');
    expect(view.output).toBe(`line 2 of 2 (end of file)\n2\tsaved 2`);
    const edit = await sed(file, 's/saved/x/');
    expect(edit.isError).toBe(true);
    expect(edit.output).toMatch(/read-only location/);
    expect(await readFile(file, 'utf8')).toBe('saved 1\nsaved 2\n');
  });
});
