import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShellTool } from '../../src/tools/shell.js';
import type { Tool, ToolContext } from '../../src/tools/tool.js';

let root: string;
let tool: Tool;

const ctx = (extra: Partial<ToolContext> = {}): ToolContext => ({
  callId: 'call-1',
  signal: new AbortController().signal,
  ...extra,
});
const call = (args: unknown, extra: Partial<ToolContext> = {}) => tool.run(JSON.stringify(args), ctx(extra));

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'sedge-shell-tool-')));
  tool = createShellTool({ workspace: root, killGraceMs: 200 });
});
afterAll(async () => {
  await tool.dispose?.();
  rmSync(root, { recursive: true, force: true });
});

describe('shell tool', () => {
  it('shows the model exactly these parameters', () => {
    expect(tool.name).toBe('shell');
    expect(tool.kind).toBe('execute');
    expect(tool.schema.parameters).toMatchInlineSnapshot(`
      {
        "properties": {
          "command": {
            "description": "Bash command (may span lines).",
            "type": "string",
          },
          "timeout_s": {
            "description": "Seconds before it is killed (default 120); raise for slow builds.",
            "exclusiveMinimum": 0,
            "type": "number",
          },
        },
        "required": [
          "command",
        ],
        "type": "object",
      }
    `);
    expect(tool.schema.description.split(/\s+/).length).toBeLessThanOrEqual(90);
  });

  it('titles a call with its command', () => {
    expect(tool.title({ command: 'npm test' })).toBe('npm test');
  });

  it('returns output and a non-zero exit code (success with output goes without saying); not an error', async () => {
    const ok = await call({ command: 'echo hello' });
    expect(ok).toMatchObject({
      output: 'hello',
      isError: false,
      data: { exit_code: 0, timed_out: false },
    });
    const failed = await call({ command: 'echo oops >&2; exit_code=2; (exit $exit_code)' });
    expect(failed).toMatchObject({ output: 'oops\n[exit code: 2]', isError: false, data: { exit_code: 2 } });
    expect((await call({ command: 'true' })).output).toBe('[exit code: 0]');
  });

  it('starts in the workspace and keeps state between calls', async () => {
    await call({ command: 'mkdir -p d && cd d && export V=7' });
    expect((await call({ command: 'pwd; echo $V' })).output).toBe(`${root}/d\n7`);
  });

  it('streams output through ctx.onOutput', async () => {
    const seen: string[] = [];
    await call({ command: 'echo streamed' }, { onOutput: (t) => seen.push(t) });
    expect(seen.join('')).toContain('streamed');
  });

  it('reports a timeout as an error with the output so far', async () => {
    const r = await call({ command: 'echo before; sleep 30', timeout_s: 1 });
    expect(r.isError).toBe(true);
    expect(r.output).toMatch(/^before\n\[timed out after 1 s: the command and its child processes were killed/);
    expect(r.data).toMatchObject({ timed_out: true });
  });

  it('reports a command waiting for terminal input as an error', async () => {
    const r = await call({ command: 'read -p "password: " x </dev/tty' });
    expect(r.isError).toBe(true);
    expect(r.output).toMatch(/\[stopped: the command was waiting for input from the terminal/);
  });

  it('tells the model when the shell was restarted', async () => {
    const r = await call({ command: 'exit 5' });
    expect(r.isError).toBe(false);
    expect(r.output).toContain(`working directory (now ${root})`);
    expect(r.output).toMatch(/\[exit code: 5\]$/);
    expect((await call({ command: 'pwd' })).output).toBe(root);
  });

  it('reports an interrupted command as an error', async () => {
    const ac = new AbortController();
    const r = await call(
      { command: 'echo go; sleep 30' },
      {
        signal: ac.signal,
        onOutput: (t) => {
          if (t.includes('go')) ac.abort();
        },
      },
    );
    expect(r).toMatchObject({ isError: true });
    expect(r.output).toMatch(/interrupted/);
  });

  it('rejects unknown fields and a missing command', async () => {
    expect(await call({ cmd: 'ls' })).toMatchObject({ isError: true });
    expect(await call({ command: 'ls', cwd: '/' })).toMatchObject({ isError: true });
  });
});
