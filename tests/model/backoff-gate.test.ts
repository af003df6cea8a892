import { afterEach, describe, expect, it } from 'vitest';
import { createBackoffGate } from '../../src/model/backoff-gate.js';
import { createOpenAIModel } from '../../src/model/openai.js';
import { withRetry } from '../../src/model/retry.js';
import type { ModelClient } from '../../src/model/types.js';
import { type ScriptedServer, startScriptedServer } from '../support/scripted-server.js';

let server: ScriptedServer;
afterEach(async () => server?.close());

async function drain(client: ModelClient): Promise<string> {
  let text = '';
  for await (const c of client.stream(
    { messages: [{ role: 'user', content: 'hi' }], tools: [] },
    AbortSignal.timeout(20_000),
  ))
    if (c.type === 'text') text += c.text;
  return text;
}

describe('shared 429 backoff (batch workers)', () => {
  it('a 429 seen by one client holds the next request of every client sharing the gate', async () => {
    const arrivals: { at: number; who: string }[] = [];
    let first = true;
    server = await startScriptedServer([], {
      fallback: (req) => {
        const who = String(req.messages[0]?.content ?? '') === 'hi' ? String(req.model) : '?';
        arrivals.push({ at: performance.now(), who });
        if (first) {
          first = false;
          return { error: { status: 429, message: 'slow down' } };
        }
        return { text: 'ok' };
      },
    });
    const gate = createBackoffGate();
    const open = (model: string) => createOpenAIModel({ model, apiKey: 'sk-test-000000', baseURL: server.baseURL });
    let startB: () => void = () => undefined;
    const bDone = new Promise<string>((resolve, reject) => {
      startB = () => setImmediate(() => drain(b).then(resolve, reject));
    });
    const a = withRetry(open('A'), { gate, baseDelayMs: 400, onRetry: () => startB() });
    const b = withRetry(open('B'), { gate, baseDelayMs: 400 });
    expect(await drain(a)).toBe('ok');
    expect(await bDone).toBe('ok');
    expect(gate.pauses).toBe(1);
    const t429 = arrivals[0]?.at as number;
    const bAt = arrivals.find((x) => x.who === 'B')?.at as number;
    // B started right after A's 429 but waited out the shared pause (≥ 0.75 × 400 ms)
    expect(arrivals.map((x) => x.who).sort()).toEqual(['A', 'A', 'B']);
    expect(bAt - t429).toBeGreaterThanOrEqual(280);
  });

  it('without a gate the other client is not held', async () => {
    let first = true;
    const arrivals: { at: number; who: string }[] = [];
    server = await startScriptedServer([], {
      fallback: (req) => {
        arrivals.push({ at: performance.now(), who: String(req.model) });
        if (first) {
          first = false;
          return { error: { status: 429, message: 'slow down' } };
        }
        return { text: 'ok' };
      },
    });
    const open = (model: string) => createOpenAIModel({ model, apiKey: 'sk-test-000000', baseURL: server.baseURL });
    let startB: () => void = () => undefined;
    const b = withRetry(open('B'), { baseDelayMs: 2000 });
    const bDone = new Promise<string>((resolve, reject) => {
      startB = () => setImmediate(() => drain(b).then(resolve, reject));
    });
    const a = withRetry(open('A'), { baseDelayMs: 2000, onRetry: () => startB() });
    const aDone = drain(a);
    expect(await bDone).toBe('ok');
    const bAt = arrivals.find((x) => x.who === 'B')?.at as number;
    expect(bAt - (arrivals[0]?.at as number)).toBeLessThan(1000);
    expect(await aDone).toBe('ok');
  });
});
