import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createModel } from '../../src/model/create.js';
import type { ModelChunk } from '../../src/model/types.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

let server: ScriptedServer;
beforeEach(async () => {
  server = await startScriptedServer();
});
afterEach(async () => {
  await server.close();
});

async function ask(api: 'chat' | 'responses', temperature?: number, model = 'gpt-5'): Promise<ModelChunk[]> {
  const client = createModel({
    model,
    cwd: '/',
    apiKey: 'sk-test',
    baseURL: server.baseURL,
    api,
    retries: 2,
    ...(temperature !== undefined ? { temperature } : {}),
  });
  const chunks: ModelChunk[] = [];
  for await (const c of client.stream(
    { messages: [{ role: 'user', content: 'hi' }], tools: [] },
    AbortSignal.timeout(30_000),
  ))
    chunks.push(c);
  return chunks;
}

const bodies = () => server.rawBodies.map((b) => JSON.parse(b) as Record<string, unknown>);

describe('--temperatures reaches the endpoint on both APIs', () => {
  it('the Responses request body carries the temperature', async () => {
    server.push({ text: 'hello' });
    const chunks = await ask('responses', 0.8);
    expect(server.paths).toEqual(['/v1/responses']);
    expect(bodies()[0]).toMatchObject({ model: 'gpt-5', temperature: 0.8, stream: true, store: false });
    expect(chunks.at(-1)).toEqual({ type: 'done', finishReason: 'stop' });
  });

  it('the Chat Completions request body carries it too; without one, neither API sends the field', async () => {
    server.push({ text: 'a' }, { text: 'b' }, { text: 'c' });
    await ask('chat', 0.2, 'some-local-model');
    await ask('chat', undefined, 'some-local-model');
    await ask('responses');
    expect(server.paths).toEqual(['/v1/chat/completions', '/v1/chat/completions', '/v1/responses']);
    expect(bodies()[0]).toMatchObject({ temperature: 0.2 });
    expect(bodies()[1]).not.toHaveProperty('temperature');
    expect(bodies()[2]).not.toHaveProperty('temperature');
  });

  it('a model that refuses a temperature says so plainly, once (not retried)', async () => {
    const refusal = {
      error: {
        status: 400,
        message: "Unsupported parameter: 'temperature' is not supported with this model.",
        code: 'unsupported_parameter',
        type: 'invalid_request_error',
      },
    };
    server.push(refusal, refusal);
    await expect(ask('responses', 0.5, 'o4-mini')).rejects.toThrow(
      /model o4-mini does not accept a sampling temperature .*without --temperatures/,
    );
    expect(server.paths).toEqual(['/v1/responses']);
    // the same refusal over Chat Completions
    await expect(ask('chat', 0.5, 'o4-mini')).rejects.toThrow(/does not accept a sampling temperature/);
    // an unrelated 400 keeps its own message
    server.push({ error: { status: 400, message: 'bad input', type: 'invalid_request_error' } });
    const err = await ask('responses', 0.5, 'o4-mini').catch((e: Error) => e);
    expect(String(err)).toContain('bad input');
    expect(String(err)).not.toContain('sampling temperature');
  });
});
