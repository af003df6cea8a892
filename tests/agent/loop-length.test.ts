import { describe, expect, it } from 'vitest';
import { runAgent } from '../../src/agent/loop.js';
import type { AgentEvent } from '../../src/agent/events.js';
import type { ModelChunk, ModelClient, ModelRequest } from '../../src/model/types.js';
import { createThinkTool } from '../../src/tools/think.js';
import { createToolset } from '../../src/tools/tool.js';

/** A model whose first answer hits the output token limit in the middle of a tool call's arguments. */
function cutOffModel(): ModelClient & { requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  const turns: ModelChunk[][] = [
    [
      { type: 'tool_call', call: { id: 'a', name: 'think', arguments: '{"thought":"short"}' } },
      {
        type: 'tool_call',
        call: { id: 'b', name: 'think', arguments: '{"thought":"a very long thought that was cut off in the mid' },
      },
      { type: 'done', finishReason: 'length' },
    ],
    [
      { type: 'text', text: 'ok' },
      { type: 'done', finishReason: 'stop' },
    ],
  ];
  return {
    id: 'cut',
    requests,
    async *stream(request) {
      requests.push(structuredClone(request));
      yield* turns[requests.length - 1] ?? [];
    },
  };
}

describe('a response cut off by the output token limit', () => {
  it('tells the model its call was cut off (not just "invalid JSON"), and the run goes on', async () => {
    const model = cutOffModel();
    const events: AgentEvent[] = [];
    for await (const e of runAgent(
      't',
      { model, tools: createToolset([createThinkTool()]), system: 's', cwd: '/', sessionId: 's' },
      new AbortController().signal,
    ))
      events.push(e);
    const ends = events.flatMap((e) => (e.type === 'tool_end' ? [e] : []));
    expect(ends.map((e) => [e.call_id, e.is_error])).toEqual([
      ['a', false],
      ['b', true],
    ]);
    expect(ends[1]?.output).toMatch(/output token limit/);
    const toolMessages = model.requests[1]?.messages.filter((m) => m.role === 'tool');
    expect(toolMessages?.map((m) => m.content)[1]).toMatch(/output token limit/);
    expect(events.at(-1)).toMatchObject({ type: 'run_end', status: 'done' });
  });
});

describe('an answer cut off by the output token limit', () => {
  it('is continued rather than taken as the final answer, and the pieces are joined', async () => {
    const requests: ModelRequest[] = [];
    const turns: ModelChunk[][] = [
      [
        { type: 'text', text: 'The fix: change ' },
        { type: 'done', finishReason: 'length' },
      ],
      [
        { type: 'text', text: 'the operator.' },
        { type: 'done', finishReason: 'stop' },
      ],
    ];
    const model: ModelClient = {
      id: 'cut',
      async *stream(request) {
        requests.push(structuredClone(request));
        yield* turns[requests.length - 1] ?? [];
      },
    };
    const events: AgentEvent[] = [];
    for await (const e of runAgent(
      't',
      { model, tools: createToolset([createThinkTool()]), system: 's', cwd: '/', sessionId: 's' },
      new AbortController().signal,
    ))
      events.push(e);
    expect(requests).toHaveLength(2);
    expect(requests[1]?.messages.at(-1)).toMatchObject({ role: 'user', content: expect.stringMatching(/cut off/) });
    expect(events.at(-1)).toMatchObject({
      type: 'run_end',
      status: 'done',
      final_text: 'The fix: change the operator.',
    });
  });
});
