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
      const res = await runCli(['exec', '-C', dir, '--model', `replay:${join(home.dir, 'ok.jsonl')}`, 'x'], {
        cwd: home.dir,
        env: home.env,
      });
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(dir);
      expect(res.stdout).toBe('');
    }
  });
});

describe('sedge exec --json', () => {
  it('says on stderr that tool calls run without asking, as the README promises for every exec run', async () => {
    const res = await runCli(['exec', '--json', '--model', `replay:${join(home.dir, 'ok.jsonl')}`, 'x'], {
      cwd: home.dir,
      env: home.env,
    });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/without asking/);
    expect(
      res.stdout
        .trim()
        .split('\n')
        .every((l) => JSON.parse(l) !== null),
    ).toBe(true);
  });
});

describe('sedge exec with an unwritable state directory', () => {
  it('is a configuration error (exit 2) naming the session file, not an internal error with a stack trace', async () => {
    const notADir = join(home.dir, 'ok.jsonl');
    const res = await runCli(['exec', '--json', '--model', `replay:${notADir}`, 'x'], {
      cwd: home.dir,
      env: { ...home.env, XDG_STATE_HOME: notADir },
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/cannot write the session file .*ENOTDIR/);
    expect(res.stderr).not.toMatch(/internal error| {4}at /);
  });
});
