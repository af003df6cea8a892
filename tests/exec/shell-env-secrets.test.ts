import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildShellEnv } from '../../src/exec/shell-env.js';
import { runCommand } from '../../src/exec/spawn.js';
import { createShellTool } from '../../src/tools/shell.js';

const KEY = 'sk-canary-shell-0b7c2a';
const saved = { key: process.env.OPENAI_API_KEY, other: process.env.SEDGE_REVIEW_OTHER_TOKEN };
let root: string;

beforeEach(() => {
  process.env.OPENAI_API_KEY = KEY;
  process.env.SEDGE_REVIEW_OTHER_TOKEN = 'kept';
  root = realpathSync(mkdtempSync(join(tmpdir(), 'sedge-review-env-')));
});
afterEach(() => {
  for (const [name, value] of [
    ['OPENAI_API_KEY', saved.key],
    ['SEDGE_REVIEW_OTHER_TOKEN', saved.other],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(root, { recursive: true, force: true });
});

describe("the model's shell does not inherit sedge's own endpoint key", () => {
  it('leaves OPENAI_API_KEY and every other secret-looking variable out of the shell environment', () => {
    const env = buildShellEnv();
    expect(env.OPENAI_API_KEY).toBeUndefined();
    expect(Object.values(env).join('\n')).not.toContain(KEY);
    // issue 12: the environment is an allowlist now; other tokens no longer pass
    expect(env.SEDGE_REVIEW_OTHER_TOKEN).toBeUndefined();
    expect(env.PATH).toBe(process.env.PATH);
  });

  it("nor does the test command the gate runs (the repo's tests are code the model may have written)", async () => {
    const res = await runCommand('env; echo "key=${OPENAI_API_KEY-unset}"', { cwd: root, timeoutMs: 30_000 });
    expect(res.output).toContain('key=unset');
    expect(res.output).not.toContain(KEY);
    expect(res.output).not.toContain('SEDGE_REVIEW_OTHER_TOKEN');
  });

  it('so `env` in the shell tool cannot print it', async () => {
    const tool = createShellTool({ workspace: root, killGraceMs: 200 });
    try {
      const run = await tool.run(JSON.stringify({ command: 'env; echo "key=${OPENAI_API_KEY-unset}"' }), {
        callId: 'c',
        signal: new AbortController().signal,
      });
      expect(run.isError).toBeFalsy();
      expect(run.output).toContain('key=unset');
      expect(run.output).not.toContain(KEY);
    } finally {
      await tool.dispose?.();
    }
  });
});
