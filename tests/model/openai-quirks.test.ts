import { afterEach, describe, expect, it } from 'vitest';
import { createOpenAIModel } from '../../src/model/openai.js';
import { ModelError, type ModelChunk, type ToolCall } from '../../src/model/types.js';
import {
  chunk,
  startRawServer,
  usageChunk,
  type RawEvent,
  type RawServer,
  type RawTurn,
} from '../support/raw-sse-server.js';

const KEY = 'sk-canary-review-7d1e5f';
let server: RawServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function collect(turns: RawTurn[]): Promise<ModelChunk[]> {
  server = await startRawServer(turns);
  const model = createOpenAIModel({ model: 'm', apiKey: KEY, baseURL: server.baseURL });
  const out: ModelChunk[] = [];
  for await (const c of model.stream(
    { messages: [{ role: 'user', content: 'hi' }], tools: [] },
    new AbortController().signal,
  ))
    out.push(c);
  return out;
}

const calls = (chunks: ModelChunk[]): ToolCall[] => chunks.flatMap((c) => (c.type === 'tool_call' ? [c.call] : []));
const split = (s: string, n: number) =>
  Array.from({ length: Math.ceil(s.length / n) }, (_, i) => s.slice(i * n, i * n + n));

/** One tool call in fragments; `repeatHead` resends id and name with every fragment (MiniMax via NIM, Fireworks/Kimi). */
function fragments(
  index: number,
  id: string,
  name: string,
  args: unknown,
  size: number,
  repeatHead = false,
): RawEvent[] {
  return [
    chunk({ tool_calls: [{ index, id, type: 'function', function: { name, arguments: '' } }] }),
    ...split(JSON.stringify(args), size).map((f) =>
      chunk({
        tool_calls: [
          {
            index,
            ...(repeatHead
              ? { id, type: 'function', function: { name, arguments: f } }
              : { function: { arguments: f } }),
          },
        ],
      }),
    ),
  ];
}

describe('OpenAI-compatible client against provider quirks', () => {
  it('assembles interleaved, fragmented calls over CRLF SSE with pings, reasoning_content, null content and a usage-only chunk', async () => {
    const shellArgs = { command: 'printf \'caf\\u00e9 "q" 😀\\n\'; git status' };
    const grepArgs = { pattern: 'héllo|nme', path: 'src' };
    const a = fragments(0, 'call_A', 'shell', shellArgs, 3);
    const b = fragments(1, 'call_B', 'grep', grepArgs, 2);
    const interleaved: RawEvent[] = [];
    while (a.length || b.length)
      interleaved.push(...[a.shift(), b.shift()].filter((e): e is RawEvent => e !== undefined));
    const out = await collect([
      {
        crlf: true,
        events: [
          'PING',
          chunk({ role: 'assistant', content: null }),
          chunk({ reasoning_content: 'Let me look… ✓' }),
          chunk({ content: null }),
          'PING',
          ...interleaved,
          chunk({}, 'tool_calls'),
          usageChunk(120, 30, 64),
          'DONE',
        ],
      },
    ]);
    expect(calls(out)).toEqual([
      { id: 'call_A', name: 'shell', arguments: JSON.stringify(shellArgs) },
      { id: 'call_B', name: 'grep', arguments: JSON.stringify(grepArgs) },
    ]);
    expect(
      out
        .filter((c) => c.type === 'reasoning')
        .map((c) => (c as { text: string }).text)
        .join(''),
    ).toBe('Let me look… ✓');
    expect(out.find((c) => c.type === 'usage')).toMatchObject({
      usage: { input_tokens: 120, output_tokens: 30, cached_tokens: 64 },
    });
    expect(out.at(-1)).toEqual({ type: 'done', finishReason: 'tool_calls' });
  });

  it('reads cached tokens as DeepSeek reports them (prompt_cache_hit_tokens)', async () => {
    const usage = {
      prompt_tokens: 1000,
      completion_tokens: 10,
      total_tokens: 1010,
      prompt_cache_hit_tokens: 896,
      prompt_cache_miss_tokens: 104,
    };
    const out = await collect([
      { events: [chunk({ content: 'hi' }), chunk({}, 'stop'), { choices: [], usage }, 'DONE'] },
    ]);
    expect(out.find((c) => c.type === 'usage')).toMatchObject({ usage: { input_tokens: 1000, cached_tokens: 896 } });
  });

  it('keeps a tool name whole when a provider resends it with every fragment', async () => {
    const out = await collect([
      {
        events: [
          ...fragments(0, 'call_A', 'shell', { command: 'ls -la src' }, 3, true),
          chunk({}, 'tool_calls'),
          'DONE',
        ],
      },
    ]);
    expect(calls(out)).toEqual([{ id: 'call_A', name: 'shell', arguments: '{"command":"ls -la src"}' }]);
  });

  it('still joins a name that a provider streams in pieces', async () => {
    const out = await collect([
      {
        events: [
          chunk({ tool_calls: [{ index: 0, id: 'c', type: 'function', function: { name: 'thi', arguments: '' } }] }),
          chunk({ tool_calls: [{ index: 0, function: { name: 'nk', arguments: '{"thought":"x"}' } }] }),
          chunk({}, 'tool_calls'),
          'DONE',
        ],
      },
    ]);
    expect(calls(out)).toEqual([{ id: 'c', name: 'think', arguments: '{"thought":"x"}' }]);
  });

  it('keeps parallel calls apart when a provider gives them all index 0 (Ollama), telling them by id', async () => {
    const a = fragments(0, 'call_1', 'grep', { pattern: 'add' }, 4);
    const b = fragments(0, 'call_2', 'shell', { command: 'npm test' }, 4);
    const out = await collect([{ events: [...a, ...b, chunk({}, 'tool_calls'), 'DONE'] }]);
    expect(calls(out)).toEqual([
      { id: 'call_1', name: 'grep', arguments: '{"pattern":"add"}' },
      { id: 'call_2', name: 'shell', arguments: '{"command":"npm test"}' },
    ]);
  });

  it('still treats an id repeated with every fragment (vLLM) as one call', async () => {
    const out = await collect([
      { events: [...fragments(0, 'call_1', 'shell', { command: 'ls' }, 3, true), chunk({}, 'tool_calls'), 'DONE'] },
    ]);
    expect(calls(out)).toEqual([{ id: 'call_1', name: 'shell', arguments: '{"command":"ls"}' }]);
  });

  it('treats a stream that stops before any finish_reason as a broken (retryable) stream, not a finished turn', async () => {
    const events = [
      chunk({ content: 'Running the tests now. ' }),
      ...fragments(0, 'c1', 'shell', { command: 'npm test' }, 4),
      chunk({}, 'tool_calls'),
      'DONE',
    ] as RawEvent[];
    const err = await collect([{ events, endEarlyAfter: 3 }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).retryable).toBe(true);
    expect((err as ModelError).message).toMatch(/ended before the model finished/);
  });

  it('drops stream_options and asks again when a server refuses it (older Azure API versions, some gateways)', async () => {
    const refused = {
      status: 400,
      body: JSON.stringify({
        error: { message: 'Unrecognized request argument supplied: stream_options', type: 'invalid_request_error' },
      }),
    };
    const ok = { events: [chunk({ content: 'hi' }), chunk({}, 'stop'), 'DONE'] as RawEvent[] };
    server = await startRawServer([refused, ok, ok]);
    const model = createOpenAIModel({ model: 'm', apiKey: KEY, baseURL: server.baseURL });
    for (let i = 0; i < 2; i++) {
      const out: ModelChunk[] = [];
      for await (const c of model.stream(
        { messages: [{ role: 'user', content: 'hi' }], tools: [] },
        new AbortController().signal,
      ))
        out.push(c);
      expect(out).toContainEqual({ type: 'text', text: 'hi' });
    }
    expect(server.bodies.map((b) => 'stream_options' in b)).toEqual([true, false, false]);
  });

  it('says where it could not connect and why (a local server that is not running)', async () => {
    const probe = await startRawServer([]);
    const baseURL = probe.baseURL;
    await probe.close();
    const model = createOpenAIModel({ model: 'm', apiKey: KEY, baseURL });
    const err = await (async () => {
      for await (const _ of model.stream(
        { messages: [{ role: 'user', content: 'hi' }], tools: [] },
        new AbortController().signal,
      ))
        void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).retryable).toBe(true);
    expect((err as ModelError).message).toContain(baseURL);
    expect((err as ModelError).message).toMatch(/ECONNREFUSED/);
  });

  it('does not print credentials written into OPENAI_BASE_URL', async () => {
    const model = createOpenAIModel({ model: 'm', apiKey: KEY, baseURL: 'http://user:hunter2@127.0.0.1:9/v1' });
    const err = await (async () => {
      for await (const _ of model.stream(
        { messages: [{ role: 'user', content: 'hi' }], tools: [] },
        new AbortController().signal,
      ))
        void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).message).not.toContain('hunter2');
  });

  it('never repeats the API key when an HTTP error echoes it', async () => {
    const body = JSON.stringify({
      error: { message: `Incorrect API key provided: ${KEY}. Bearer ${KEY}`, code: 'invalid_api_key' },
    });
    const err = await collect([{ status: 401, body }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).message).toContain('HTTP 401');
    expect((err as ModelError).message).not.toContain(KEY);
  });
});
