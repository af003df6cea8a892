import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGrepTool } from '../../src/tools/grep.js';
import { createSedTool } from '../../src/tools/sed.js';
import { makeTempRepo } from '../support/repo.js';

let repo: { dir: string; cleanup: () => void };
const savedRc = process.env.RIPGREP_CONFIG_PATH;
const ctx = () => ({ callId: 'h', signal: new AbortController().signal });

beforeEach(() => {
  repo = makeTempRepo({
    'evil.sh': `#!/bin/sh\ntouch "$(dirname "$0")/PWNED"\ncat "$@"\n`,
    '.ripgreprc': '--pre=./evil.sh\n--pre-glob=*\n--hostname-bin=./evil.sh\n',
    'src/a.txt': 'needle here\n',
  });
  execFileSync('chmod', ['+x', join(repo.dir, 'evil.sh')]);
  process.env.RIPGREP_CONFIG_PATH = join(repo.dir, '.ripgreprc');
});
afterEach(() => {
  if (savedRc === undefined) delete process.env.RIPGREP_CONFIG_PATH;
  else process.env.RIPGREP_CONFIG_PATH = savedRc;
  repo.cleanup();
});

describe('grep: ripgrep options cannot be smuggled in', () => {
  it('ignores a repo .ripgreprc (even named by RIPGREP_CONFIG_PATH) and flag-looking arguments', async () => {
    const grep = createGrepTool({ workspace: repo.dir });
    const calls = [
      { pattern: 'needle' },
      { pattern: '--pre=./evil.sh' },
      { pattern: '--pre-glob=*' },
      { pattern: '-z' },
      { pattern: '--hostname-bin=./evil.sh' },
      { pattern: 'needle', glob: '--pre=./evil.sh' },
      { pattern: 'needle', path: '--pre=./evil.sh' },
    ];
    const first = await grep.run(JSON.stringify(calls[0]), ctx());
    expect(first.output).toContain('src/a.txt:1:needle here');
    for (const c of calls.slice(1)) await grep.run(JSON.stringify(c), ctx());
    expect(existsSync(join(repo.dir, 'PWNED'))).toBe(false);
  });
});

describe('hostile files stay bounded', () => {
  it('a FIFO, a symlink loop, binary and invalid UTF-8, a 2 MB single line, odd names', async () => {
    const d = repo.dir;
    execFileSync('mkfifo', [join(d, 'pipe')]);
    symlinkSync('loop-b', join(d, 'loop-a'));
    symlinkSync('loop-a', join(d, 'loop-b'));
    mkdirSync(join(d, 'dir'));
    symlinkSync('..', join(d, 'dir', 'up'));
    writeFileSync(join(d, 'bin.dat'), Buffer.from([0, 1, 2, 0xff, 0xfe, 0x6e, 0x65, 0x65, 0x64, 0x6c, 0x65, 0]));
    writeFileSync(join(d, 'bad-utf8.txt'), Buffer.from([0x6e, 0x65, 0x65, 0x64, 0x6c, 0x65, 0x20, 0xc3, 0x28, 0x0a]));
    writeFileSync(join(d, 'one-line.txt'), `${'a'.repeat(2_000_000)} needle\n`);
    writeFileSync(join(d, 'new\nline.txt'), 'needle in a newline name\n');
    writeFileSync(join(d, '-rf'), 'needle in a dash name\n');
    const grep = createGrepTool({ workspace: d });
    const sed = createSedTool({ workspace: d });
    const g = await grep.run(JSON.stringify({ pattern: 'needle' }), ctx());
    expect(g.output).toContain('src/a.txt:1:needle here');
    expect(g.output.length).toBeLessThan(200_000);
    expect(g.output).toContain('-rf');
    for (const path of ['pipe', 'loop-a', 'bin.dat', 'dir/up/src/a.txt', '/dev/zero', '/dev/urandom']) {
      const r = await sed.run(JSON.stringify({ path, script: '1,5p' }), ctx());
      expect(r.output.length, path).toBeLessThan(200_000);
      if (path !== 'dir/up/src/a.txt') expect(r.isError, `${path}: ${r.output.slice(0, 200)}`).toBe(true);
    }
    const bad = await sed.run(JSON.stringify({ path: 'bad-utf8.txt', script: '1p' }), ctx());
    expect(bad.output).toContain('needle');
    const long = await sed.run(JSON.stringify({ path: 'one-line.txt', script: '1p' }), ctx());
    expect(long.output.length).toBeLessThan(200_000);
    const dash = await sed.run(JSON.stringify({ path: '-rf', script: '1p' }), ctx());
    expect(dash.output).toContain('needle in a dash name');
  });
});
