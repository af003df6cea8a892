import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runAgent } from '../../src/agent/loop.js';
import type { AgentEvent } from '../../src/agent/events.js';
import { createReplayModel } from '../../src/model/replay.js';
import { createToolset, defineTool } from '../../src/tools/tool.js';

// A provider that reuses ids across turns (or sends none, so the client numbers them call_0, call_1 ... per turn).
const sameIdEveryTurn = createReplayModel(
  [
    { tool_calls: [{ id: 'call_0', name: 'long', arguments: { tag: 'first' } }] },
    { tool_calls: [{ id: 'call_0', name: 'long', arguments: { tag: 'second' } }] },
    { text: 'done' },
  ],
  { id: 'replay:test' },
);

const longTool = defineTool({
  name: 'long',
  kind: 'read',
  description: 'prints many lines',
  parameters: z.object({ tag: z.string() }),
  execute: async ({ tag }) => ({ output: Array.from({ length: 1000 }, (_, i) => `${tag} ${i}`).join('\n') }),
});

describe('tool call ids', () => {
  it('are unique across the whole run, so a saved full output is never overwritten by a later call', async () => {
    const saved = new Map<string, string>();
    const events: AgentEvent[] = [];
    const run = runAgent(
      'task',
      {
        model: sameIdEveryTurn,
        tools: createToolset([longTool]),
        system: 's',
        cwd: '/',
        sessionId: 't',
        saveOutput: async (callId, text) => {
          saved.set(callId, text);
          return `/outputs/${callId}.txt`;
        },
      },
      new AbortController().signal,
    );
    for await (const e of run) events.push(e);
    const ids = events.flatMap((e) => (e.type === 'tool_start' ? [e.call_id] : []));
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    expect(saved.size).toBe(2);
    expect([...saved.values()].map((t) => t.split(' ')[0])).toEqual(['first', 'second']);
    expect(events.at(-1)).toMatchObject({ type: 'run_end', status: 'done' });
  });
});
