import { afterEach, describe, expect, it } from 'vitest';
import { runAgent } from '../../src/agent/loop.js';
import { createOpenAIModel } from '../../src/model/openai.js';
import { createThinkTool } from '../../src/tools/think.js';
import { createToolset } from '../../src/tools/tool.js';
import { chunk, startRawServer, type RawServer } from '../support/raw-sse-server.js';

let server: RawServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Thinking models (Kimi K2 thinking, DeepSeek V3.2+/V4, GLM) answer 400 when an assistant tool-call message comes back without its reasoning. */
async function twoTurns(field: 'reasoning_content' | 'reasoning') {
  server = await startRawServer([
    {
      events: [
        chunk({ [field]: 'I should note ' }),
        chunk({ [field]: 'something.' }),
        chunk({
          tool_calls: [
            { index: 0, id: 'c1', type: 'function', function: { name: 'think', arguments: '{"thought":"x"}' } },
          ],
        }),
        chunk({}, 'tool_calls'),
        'DONE',
      ],
    },
    { events: [chunk({ [field]: 'All good.' }), chunk({ content: 'done' }), chunk({}, 'stop'), 'DONE'] },
  ]);
  const model = createOpenAIModel({ model: 'm', apiKey: 'sk-x', baseURL: server.baseURL });
  const run = runAgent(
    't',
    { model, tools: createToolset([createThinkTool()]), system: 's', cwd: '/', sessionId: 's' },
    new AbortController().signal,
  );
  for await (const e of run) if (e.type === 'run_end') expect(e.status).toBe('done');
  return server.bodies[1]?.messages.find((m) => m.role === 'assistant') as Record<string, unknown> | undefined;
}

describe('reasoning on assistant tool-call messages goes back to the provider', () => {
  it('as reasoning_content when the provider sent reasoning_content', async () => {
    const assistant = await twoTurns('reasoning_content');
    expect(assistant?.reasoning_content).toBe('I should note something.');
    expect(assistant).not.toHaveProperty('reasoning');
  });

  it('as reasoning when the provider sent reasoning (OpenRouter style)', async () => {
    const assistant = await twoTurns('reasoning');
    expect(assistant?.reasoning).toBe('I should note something.');
    expect(assistant).not.toHaveProperty('reasoning_content');
  });
});
