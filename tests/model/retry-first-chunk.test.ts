import { afterEach, describe, expect, it, vi } from 'vitest';
import { withRetry } from '../../src/model/retry.js';
import type { ModelChunk, ModelClient } from '../../src/model/types.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('the idle-stream watchdog', () => {
  it('gives a reasoning model time to think before its first chunk (no abort and paid retry after 2 minutes)', async () => {
    vi.useFakeTimers();
    let release!: () => void;
    const firstToken = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const inner: ModelClient = {
      id: 'slow-thinker',
      async *stream(_req, signal) {
        calls++;
        await Promise.race([
          firstToken,
          new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
        ]);
        yield { type: 'text', text: 'answer' };
        yield { type: 'done', finishReason: 'stop' };
      },
    };
    const out: ModelChunk[] = [];
    const done = (async () => {
      for await (const c of withRetry(inner, { wait: async () => {} }).stream(
        { messages: [], tools: [] },
        new AbortController().signal,
      ))
        out.push(c);
    })();
    await vi.advanceTimersByTimeAsync(200_000); // 3 min 20 s of silent reasoning
    release();
    await done;
    expect(calls).toBe(1);
    expect(out.map((c) => c.type)).toEqual(['text', 'done']);
  });
});
