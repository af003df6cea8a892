import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';

/**
 * The UI stack is bundled into dist/bin chunks (not loaded from node_modules), so "no Ink in headless
 * mode" is checked on the code itself: no module `sedge exec` loads may contain Ink or React.
 */
describe('headless mode and the bundled UI', () => {
  let home: TempHome;
  let repo: { dir: string; cleanup: () => void };
  beforeAll(() => {
    home = makeTempHome();
    repo = makeTempRepo({ 'a.txt': 'a\n' });
  });
  afterAll(() => {
    home.cleanup();
    repo.cleanup();
  });

  it('sedge exec loads no module holding Ink, React or the app', async () => {
    const script = join(home.dir, 'one.jsonl');
    writeFileSync(script, '{"text": "ok"}\n');
    const logFile = join(home.dir, 'modules.log');
    const hook = join(__dirname, '..', 'support', 'module-log.mjs');
    const res = await runCli(['exec', '--no-verify', '--model', `replay:${script}`, 'x'], {
      cwd: repo.dir,
      env: { ...home.env, NODE_OPTIONS: `--import=${hook}`, SEDGE_MODULE_LOG: logFile },
    });
    expect(res.code).toBe(0);
    const loaded = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((u) => u.startsWith('file://'))
      .map((u) => fileURLToPath(u.split(' ')[0] as string));
    expect(loaded.some((p) => p.includes('/dist/bin/'))).toBe(true);
    const offenders = loaded.filter((p) => {
      const text = readFileSync(p, 'utf8');
      return (
        text.includes('ink-root') ||
        text.includes('react.transitional.element') ||
        text.includes('useSyncExternalStore')
      );
    });
    expect(offenders).toEqual([]);
  });
});
