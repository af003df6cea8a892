import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { makeTempHome, type TempHome } from '../support/repo.js';

let home: TempHome;
beforeEach(() => {
  home = makeTempHome();
  writeFileSync(join(home.dir, 'ok.jsonl'), '{"text":"ok"}\n');
});
afterEach(() => home.cleanup());

describe('sedge exec -C DIR', () => {
  it('is a usage error (exit 2) when DIR does not exist or is not a directory, instead of a run there', async () => {
    for (const dir of [join(home.dir, 'missing'), join(home.dir, 'ok.jsonl')]) {
      const res = await runCli(['exec', '-C', dir, '--model', `replay:${join(home.dir, 'ok.jsonl')}`, 'x'], { cwd: home.dir, env: home.env });
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(dir);
      expect(res.stdout).toBe('');
    }
  });
});
