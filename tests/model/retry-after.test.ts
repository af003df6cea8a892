import { afterEach, describe, expect, it } from 'vitest';
import { createOpenAIModel } from '../../src/model/openai.js';
import { withRetry } from '../../src/model/retry.js';
import type { ModelError, ModelChunk } from '../../src/model/types.js';
import { chunk, startRawServer, type RawServer } from '../support/raw-sse-server.js';

let server: RawServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const rateLimited = (headers: Record<string, string>) => ({
  status: 429,
  body: '{"error":{"message":"Rate limit reached for requests"}}',
  headers,
});

describe('HTTP 429 with Retry-After', () => {
  it('waits as long as the provider asks before retrying (the SDK would; our own retry must too)', async () => {
    server = await startRawServer([
      rateLimited({ 'retry-after': '7' }),
      { events: [chunk({ content: 'hi' }), chunk({}, 'stop'), 'DONE'] },
    ]);
    const waits: number[] = [];
    const model = withRetry(createOpenAIModel({ model: 'm', apiKey: 'sk-x', baseURL: server.baseURL }), {
      baseDelayMs: 10,
      wait: async (ms) => void waits.push(ms),
    });
    const out: ModelChunk[] = [];
    for await (const c of model.stream(
      { messages: [{ role: 'user', content: 'x' }], tools: [] },
      new AbortController().signal,
    ))
      out.push(c);
    expect(out.some((c) => c.type === 'text')).toBe(true);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(7000);
  });

  it('reads retry-after-ms too, and caps what it honours at a minute', async () => {
    server = await startRawServer([rateLimited({ 'retry-after-ms': '1500' }), rateLimited({ 'retry-after': '3600' })]);
    const model = createOpenAIModel({ model: 'm', apiKey: 'sk-x', baseURL: server.baseURL });
    const errors: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      try {
        for await (const _ of model.stream(
          { messages: [{ role: 'user', content: 'x' }], tools: [] },
          new AbortController().signal,
        ))
          void _;
      } catch (err) {
        errors.push(err);
      }
    }
    expect(errors.map((e) => (e as ModelError).retryAfterMs)).toEqual([1500, 60_000]);
  });
});
