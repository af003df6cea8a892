import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/agent/events.js';
import { runAgent } from '../../src/agent/loop.js';
import { createModel } from '../../src/model/create.js';
import { createResponsesModel } from '../../src/model/responses.js';
import { withRetry } from '../../src/model/retry.js';
import { createThinkTool } from '../../src/tools/think.js';
import { createToolset, type Toolset } from '../../src/tools/tool.js';
import { defaultEncrypted } from '../support/responses-events.js';
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

async function run(model: ReturnType<typeof createResponsesModel>, task = 'find the bug') {
  const events: AgentEvent[] = [];
  const gen = runAgent(
    task,
    { model, tools, system: 'You are a test.', cwd: '/', sessionId: 's', cacheKey: 'sedge-repo1' },
    new AbortController().signal,
  );
  for await (const e of gen) events.push(e);
  return events;
}

const toolsJson = () =>
  tools.schemas.map((t) => ({
    type: 'function',
    name: t.name,
    description: t.description,
    parameters: t.parameters,
    strict: false,
  }));

describe('Responses API client over the real SDK and HTTP', () => {
  it('streams a function call, carries the encrypted reasoning item back unchanged, byte for byte', async () => {
    const encrypted = 'gAAAAB-opaque+/blob==\u00e9';
    server.push(
      {
        reasoning: 'Look at the parser first.',
        encrypted,
        tool_calls: [{ id: 'call_1', name: 'think', arguments: { thought: 'parser' } }],
        usage: { input_tokens: 500, output_tokens: 40, cached_tokens: 384 },
      },
      { text: 'The bug is in the parser.', usage: { input_tokens: 600, output_tokens: 10, cached_tokens: 512 } },
    );
    const model = withRetry(
      createResponsesModel({
        model: 'o4-mini',
        apiKey: 'sk-test',
        baseURL: server.baseURL,
        reasoning: { effort: 'high', summary: 'auto' },
      }),
      { retries: 0 },
    );
    const events = await run(model);
    expect(server.paths).toEqual(['/v1/responses', '/v1/responses']);

    const common = {
      model: 'o4-mini',
      instructions: 'You are a test.',
    };
    const tail = {
      tools: toolsJson(),
      stream: true,
      store: false,
      reasoning: { effort: 'high', summary: 'auto' },
      include: ['reasoning.encrypted_content'],
      prompt_cache_key: 'sedge-repo1',
    };
    expect(server.rawBodies[0]).toBe(
      JSON.stringify({ ...common, input: [{ role: 'user', content: 'find the bug' }], ...tail }),
    );
    const reasoningItem = {
      id: 'rs_resp_1',
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: 'Look at the parser first.' }],
      encrypted_content: encrypted,
    };
    expect(server.rawBodies[1]).toBe(
      JSON.stringify({
        ...common,
        input: [
          { role: 'user', content: 'find the bug' },
          reasoningItem,
          { type: 'function_call', call_id: 'call_1', name: 'think', arguments: '{"thought":"parser"}' },
          { type: 'function_call_output', call_id: 'call_1', output: 'Thought noted.' },
        ],
        ...tail,
      }),
    );

    // the summary is a thought; usage carries cached and reasoning tokens; the answer ends the run
    const thoughts = events.filter((e) => e.type === 'thought');
    expect(thoughts[0]).toMatchObject({ source: 'reasoning', text: 'Look at the parser first.' });
    const usage = events.find((e) => e.type === 'usage');
    expect(usage).toMatchObject({ input_tokens: 500, cached_tokens: 384, output_tokens: 40, reasoning_tokens: 7 });
    const end = events.at(-1);
    expect(end).toMatchObject({ type: 'run_end', status: 'done', final_text: 'The bug is in the parser.' });
  });

  it('a reasoning item goes back before the text and calls of its turn, in the order they came', async () => {
    server.push(
      { reasoning: 'r1', text: 'Checking.', tool_calls: [{ id: 'a', name: 'think', arguments: { thought: 'x' } }] },
      { text: 'done' },
    );
    const model = createResponsesModel({ model: 'gpt-5', apiKey: 'k', baseURL: server.baseURL });
    await run(model);
    const body = JSON.parse(server.rawBodies[1] ?? '{}') as { input: { type?: string; role?: string }[] };
    expect(body.input.map((i) => i.type ?? i.role)).toEqual([
      'user',
      'reasoning',
      'assistant',
      'function_call',
      'function_call_output',
    ]);
    expect(body.input[1]).toMatchObject({ encrypted_content: defaultEncrypted('r1') });
    // no reasoning settings: none sent
    expect(body).not.toHaveProperty('reasoning');
    expect(body).not.toHaveProperty('include');
  });

  it('an answer cut at max_output_tokens is continued, as with Chat', async () => {
    server.push({ text: 'Half of', incomplete: true }, { text: ' the answer.' });
    const model = createResponsesModel({ model: 'gpt-5', apiKey: 'k', baseURL: server.baseURL });
    const events = await run(model);
    expect(events.at(-1)).toMatchObject({ status: 'done', final_text: 'Half of the answer.' });
    expect(server.rawBodies).toHaveLength(2);
  });

  it('createModel picks Responses for OpenAI reasoning models on OpenAI, Chat elsewhere, --api wins', async () => {
    server.push({ text: 'a' }, { text: 'b' }, { text: 'c' });
    const s = { apiKey: 'k', cwd: '/' };
    // a local server: Chat even for a reasoning family
    const local = createModel({ ...s, model: 'o4-mini', baseURL: server.baseURL });
    await run(local as ReturnType<typeof createResponsesModel>);
    // explicitly asked for
    const forced = createModel({ ...s, model: 'qwen3', baseURL: server.baseURL, api: 'responses' });
    await run(forced as ReturnType<typeof createResponsesModel>);
    // chosen in the user's models table
    const table = createModel({
      ...s,
      model: 'my-model',
      baseURL: server.baseURL,
      models: { 'my-*': { api: 'responses', reasoning_effort: 'low' } },
    });
    await run(table as ReturnType<typeof createResponsesModel>);
    expect(server.paths).toEqual(['/v1/chat/completions', '/v1/responses', '/v1/responses']);
    expect(JSON.parse(server.rawBodies[2] ?? '{}')).toMatchObject({ reasoning: { effort: 'low' } });
  });

  it('retries a refused request and a stream cut before response.completed (a cut stream is never a finished turn)', async () => {
    server.push(
      { error: { status: 429, message: 'slow down' } },
      { text: 'partial answer that will be dropped', dropAfter: 4 },
      { text: 'whole answer' },
    );
    const model = withRetry(createResponsesModel({ model: 'gpt-5', apiKey: 'k', baseURL: server.baseURL }), {
      retries: 3,
      wait: async () => {},
    });
    const events = await run(model);
    expect(server.paths).toHaveLength(3);
    expect(events.some((e) => e.type === 'error' && e.fatal)).toBe(false);
    expect(events.at(-1)).toMatchObject({ status: 'done', final_text: 'whole answer' });
  });
});
