import { describe, expect, it } from 'vitest';
import { withRetry } from '../../src/model/retry.js';
import { ModelError, type ModelChunk, type ModelClient } from '../../src/model/types.js';

const request = { messages: [], tools: [] };

async function drain(client: ModelClient, signal = new AbortController().signal): Promise<ModelChunk[]> {
  const out: ModelChunk[] = [];
  for await (const c of client.stream(request, signal)) out.push(c);
  return out;
}

function scripted(attempts: ((signal: AbortSignal) => AsyncGenerator<ModelChunk>)[]): ModelClient & { calls: number } {
  const client = {
    id: 'fake',
    calls: 0,
    stream(_req: unknown, signal: AbortSignal) {
      const attempt = attempts[client.calls++];
      if (!attempt) throw new Error('no more attempts');
      return attempt(signal);
    },
  };
  return client;
}

describe('withRetry', () => {
  it('does not retry what is not retryable', async () => {
    const inner = scripted([
      async function* () {
        throw new ModelError('bad request', 400, false);
      },
    ]);
    await expect(drain(withRetry(inner, { wait: async () => {} }))).rejects.toThrow('bad request');
    expect(inner.calls).toBe(1);
  });

  it('gives up after the configured retries', async () => {
    const fail = async function* (): AsyncGenerator<ModelChunk> {
      throw new ModelError('overloaded', 503, true);
    };
    const inner = scripted([fail, fail, fail]);
    await expect(drain(withRetry(inner, { retries: 2, wait: async () => {} }))).rejects.toThrow('overloaded');
    expect(inner.calls).toBe(3);
  });

  it('aborts a stalled stream, resets partial output and retries', async () => {
    const inner = scripted([
      async function* (signal) {
        yield { type: 'text', text: 'partial' };
        await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
      },
      async function* () {
        yield { type: 'text', text: 'whole' };
        yield { type: 'done', finishReason: 'stop' };
      },
    ]);
    const chunks = await drain(withRetry(inner, { idleTimeoutMs: 30, wait: async () => {} }));
    expect(chunks.map((c) => c.type)).toEqual(['text', 'reset', 'text', 'done']);
    expect(chunks[1]).toMatchObject({ reason: expect.stringMatching(/stalled/) });
  });

  it('stops retrying when the caller aborts', async () => {
    const ctl = new AbortController();
    const inner = scripted([
      async function* () {
        ctl.abort(new Error('user'));
        throw new ModelError('overloaded', 503, true);
      },
    ]);
    await expect(drain(withRetry(inner, { wait: async () => {} }), ctl.signal)).rejects.toThrow();
    expect(inner.calls).toBe(1);
  });
});
