import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSedTool } from '../../src/tools/sed.js';

let base: string;
const ctx = () => ({ callId: 's', signal: new AbortController().signal });

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'sedge-sed-escape-')));
  for (const d of ['app', 'app-evil', 'sibling', 'home']) mkdirSync(join(base, d));
  for (const f of ['app-evil/f', 'sibling/f', 'home/.bashrc']) writeFileSync(join(base, f), 'orig\n');
  symlinkSync(join(base, 'sibling', 'f'), join(base, 'app', 'link-file'));
  symlinkSync(join(base, 'sibling'), join(base, 'app', 'link-dir'));
  symlinkSync(join(base, 'sibling', 'new'), join(base, 'app', 'dangling'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('sed edits stay in the workspace', () => {
  it('refuses ~/.bashrc, /etc, ../sibling, symlinks, a symlinked dir, a dangling link and a prefix twin', async () => {
    const sed = createSedTool({ workspace: join(base, 'app') });
    const targets = [
      join(base, 'home', '.bashrc'),
      '/etc/passwd',
      '../sibling/f',
      'link-file',
      'link-dir/f',
      'dangling',
      join(base, 'app-evil', 'f'),
      '../app-evil/f',
    ];
    const hostname = readFileSync('/etc/passwd', 'utf8');
    for (const path of targets) {
      const r = await sed.run(JSON.stringify({ path, script: 's/.*/pwned/' }), ctx());
      expect(r.isError, path).toBe(true);
    }
    for (const f of ['app-evil/f', 'sibling/f', 'home/.bashrc'])
      expect(readFileSync(join(base, f), 'utf8')).toBe('orig\n');
    expect(readFileSync('/etc/passwd', 'utf8')).toBe(hostname);
  });
});
