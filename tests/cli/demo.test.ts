import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempHome } from '../support/repo.js';

const ROOT = resolve(__dirname, '..', '..');

describe('npm run demo (scripts/demo.js on the built CLI)', () => {
  it('says the model is a replay with no network or key, fixes the bug, and shows the diff', {
    timeout: 180_000,
  }, async () => {
    const home = makeTempHome();
    try {
      const r = await new Promise<{ code: number | null; out: string }>((done, reject) => {
        const child = spawn(process.execPath, [resolve(ROOT, 'scripts', 'demo.js')], {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', ...home.env, SEDGE_REPLAY_DELAY_MS: '0' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.on('error', reject);
        child.on('close', (code) => done({ code, out }));
      });
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/replay of a recorded session/);
      expect(r.out).toMatch(/no\s+network and no API key/);
      expect(r.out).toContain('The change it made');
      expect(r.out).toContain('-  return a - b;');
      expect(r.out).toContain('+  return a + b;');
      expect(r.out).not.toMatch(/chunk │ size/);
    } finally {
      home.cleanup();
    }
  });
});
