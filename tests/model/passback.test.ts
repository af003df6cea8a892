import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/agent/events.js';
import { runAgent } from '../../src/agent/loop.js';
import { createModel } from '../../src/model/create.js';
import { modelInfo } from '../../src/model/models.js';
import type { Message, ModelClient } from '../../src/model/types.js';
import { createThinkTool } from '../../src/tools/think.js';
import { createToolset, type Toolset } from '../../src/tools/tool.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

let server: ScriptedServer;
let tools: Toolset;
beforeEach(async () => {
  server = await startScriptedServer();
  tools = createToolset([createThinkTool()]);
});
afterEach(async () => {
  await tools.dispose();
  await server.close();
});

const call = (id: string) => ({ id, name: 'think', arguments: '{"thought":"x"}' });
/** Two tasks of one session: each with a tool call whose reasoning the provider streamed. */
const history: Message[] = [
  { role: 'system', content: 'sys' },
  { role: 'user', content: 'task one' },
  { role: 'assistant', content: '', tool_calls: [call('a')], reasoning: 'old thinking' },
  { role: 'tool', tool_call_id: 'a', name: 'think', content: 'Thought noted.' },
  { role: 'assistant', content: 'one done', reasoning: 'final thinking' },
  { role: 'user', content: 'task two' },
  { role: 'assistant', content: '', tool_calls: [call('b')], reasoning: 'new thinking' },
  { role: 'tool', tool_call_id: 'b', name: 'think', content: 'Thought noted.' },
];

async function send(model: ModelClient): Promise<string> {
  server.push({ text: 'ok' });
  for await (const _ of model.stream({ messages: history, tools: [] }, new AbortController().signal)) {
    /* drain */
  }
  return server.rawBodies.at(-1) ?? '';
}

const wire = (reasoning: { old?: boolean; new?: boolean }) =>
  JSON.stringify([
    { role: 'system', content: 'sys' },
    { role: 'user', content: 'task one' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'a', type: 'function', function: { name: 'think', arguments: '{"thought":"x"}' } }],
      ...(reasoning.old ? { reasoning_content: 'old thinking' } : {}),
    },
    { role: 'tool', tool_call_id: 'a', content: 'Thought noted.' },
    { role: 'assistant', content: 'one done' },
    { role: 'user', content: 'task two' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'b', type: 'function', function: { name: 'think', arguments: '{"thought":"x"}' } }],
      ...(reasoning.new ? { reasoning_content: 'new thinking' } : {}),
    },
    { role: 'tool', tool_call_id: 'b', content: 'Thought noted.' },
  ]);

const messagesOf = (raw: string) => JSON.stringify((JSON.parse(raw) as { messages: unknown }).messages);
const settings = (model: string, models = {}) =>
  createModel({ model, apiKey: 'sk-test', baseURL: server.baseURL, cwd: '/', models });

describe('reasoning passback per model entry (Chat Completions, reasoning_content)', () => {
  it('on (DeepSeek, Kimi K2): every tool-call message carries its reasoning, answers never do', async () => {
    expect(messagesOf(await send(settings('deepseek-reasoner')))).toBe(wire({ old: true, new: true }));
    expect(messagesOf(await send(settings('moonshotai/kimi-k2-thinking')))).toBe(wire({ old: true, new: true }));
  });

  it('drop-old (Qwen3): only the turns after the last user message keep it; the whole body, byte for byte', async () => {
    const raw = await send(settings('qwen3-coder-plus'));
    expect(raw).toBe(
      `{"model":"qwen3-coder-plus","messages":${wire({ new: true })},"stream":true,"stream_options":{"include_usage":true}}`,
    );
  });

  it('off (providers that reject the field): never sent', async () => {
    expect(messagesOf(await send(settings('gpt-4.1-mini')))).toBe(wire({}));
  });

  it("the user's models table overrides the built-in entry", async () => {
    const raw = await send(settings('deepseek-reasoner', { 'deepseek-*': { reasoning: 'off' } }));
    expect(messagesOf(raw)).toBe(wire({}));
    expect(modelInfo('deepseek-reasoner', { 'deepseek-*': { reasoning: 'off' } })).toMatchObject({
      matched: 'deepseek-*',
      reasoning: 'off',
      context_tokens: 128_000,
    });
  });

  it('through the loop: reasoning streamed as reasoning_content goes back on the next request', async () => {
    server.push(
      { reasoning: 'I will think.', tool_calls: [{ id: 'c1', name: 'think', arguments: { thought: 'x' } }] },
      { text: 'done' },
    );
    const model = settings('deepseek-chat');
    const events: AgentEvent[] = [];
    for await (const e of runAgent(
      't',
      { model, tools, system: 's', cwd: '/', sessionId: 's' },
      new AbortController().signal,
    ))
      events.push(e);
    expect(events.at(-1)).toMatchObject({ type: 'run_end', status: 'done' });
    const second = JSON.parse(server.rawBodies[1] ?? '{}') as { messages: unknown[] };
    expect(JSON.stringify(second.messages[2])).toBe(
      JSON.stringify({
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'think', arguments: '{"thought":"x"}' } }],
        reasoning_content: 'I will think.',
      }),
    );
  });
});

describe('models table', () => {
  it('matches exact names before prefixes, the longest prefix first, and ignores a provider prefix', () => {
    expect(modelInfo('gpt-4.1-mini').matched).toBe('gpt-4.1-mini*');
    expect(modelInfo('openai/gpt-4.1').matched).toBe('gpt-4.1*');
    expect(modelInfo('gpt-5-mini-2025-08-07')).toMatchObject({ matched: 'gpt-5-mini*', api: 'responses' });
    expect(modelInfo('gpt-5-mini').prices?.input).toBe(0.25);
    expect(modelInfo('gpt-4.1-mini', { 'gpt-4.1-mini': { context_tokens: 5000 } })).toMatchObject({
      matched: 'gpt-4.1-mini',
      context_tokens: 5000,
      reasoning: 'off',
    });
    expect(modelInfo('some-local-model')).toMatchObject({ matched: '*', reasoning: 'on', context_tokens: 128_000 });
  });
});
