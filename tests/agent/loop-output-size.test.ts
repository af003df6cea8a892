import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runAgent } from '../../src/agent/loop.js';
import type { AgentEvent } from '../../src/agent/events.js';
import { createReplayModel } from '../../src/model/replay.js';
import { createToolset, defineTool } from '../../src/tools/tool.js';

// A command that prints ~8 MB (a verbose build, `cat` of a big log), streamed in 64 KB pieces.
const LINE = `${'x'.repeat(79)}\n`;
const CHUNK = LINE.repeat(820);
const PIECES = 128;

const loud = defineTool({
  name: 'loud',
  kind: 'execute',
  description: 'prints a lot',
  parameters: z.object({}),
  execute: async (_p, ctx) => {
    for (let i = 0; i < PIECES; i++) ctx.onOutput?.(CHUNK);
    return { output: CHUNK.repeat(PIECES) };
  },
});

describe('a command with a huge output', () => {
  it('does not copy megabytes into the event stream (stdout, session file): streamed output and display are capped, the full text is in the saved file', async () => {
    const saved: string[] = [];
    const events: AgentEvent[] = [];
    const model = createReplayModel([{ tool_calls: [{ name: 'loud', arguments: {} }] }, { text: 'done' }], {
      id: 'replay:t',
    });
    const run = runAgent(
      't',
      {
        model,
        tools: createToolset([loud]),
        system: 's',
        cwd: '/',
        sessionId: 's',
        saveOutput: async (_id, text) => (saved.push(text), '/outputs/loud.txt'),
      },
      new AbortController().signal,
    );
    for await (const e of run) events.push(e);
    const total = CHUNK.length * PIECES;
    expect(saved[0]).toHaveLength(total);
    const streamed = events.flatMap((e) => (e.type === 'tool_output' ? [e.text] : [])).join('');
    expect(streamed.length).toBeLessThan(total / 8);
    expect(streamed).toMatch(/not streamed/);
    const end = events.find((e) => e.type === 'tool_end');
    expect(end?.type === 'tool_end' && (end.display ?? '').length).toBeLessThan(total / 8);
    expect(end).toMatchObject({ data: { truncated: true, full_output_file: '/outputs/loud.txt' } });
    expect(JSON.stringify(events).length).toBeLessThan(total / 4);
  });
});
