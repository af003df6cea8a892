import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../../src/tools/tool.js';

const echo = defineTool({
  name: 'echo',
  kind: 'think',
  description: 'echo',
  parameters: z.object({ text: z.string() }),
  execute: async ({ text }) => ({ output: text }),
});
const run = (raw: string) => echo.run(raw, { callId: 'c', signal: new AbortController().signal });

describe('tool arguments as weaker models and servers send them', () => {
  it('accepts raw newlines and tabs inside strings (a heredoc written without escapes)', async () => {
    const r = await run('{"text": "cat <<EOF\nline\tone\nEOF"}');
    expect(r.isError).toBeFalsy();
    expect(r.output).toBe('cat <<EOF\nline\tone\nEOF');
  });

  it('accepts arguments encoded twice (a JSON string holding the object)', async () => {
    const r = await run(JSON.stringify(JSON.stringify({ text: 'hi' })));
    expect(r.isError).toBeFalsy();
    expect(r.output).toBe('hi');
  });

  it('still refuses what is really broken, with a clear message', async () => {
    const r = await run('{"text": "unterminated');
    expect(r.isError).toBe(true);
    expect(r.output).toMatch(/not valid JSON/);
    const s = await run('"just a string"');
    expect(s.isError).toBe(true);
    expect(s.output).toMatch(/must be a JSON object/);
  });
});
