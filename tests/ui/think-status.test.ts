import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/agent/events.js';
import { statusText } from '../../src/ui/layout.js';
import { initialState, reduce } from '../../src/ui/transcript.js';

const u = (input_tokens: number, output_tokens: number) => ({
  input_tokens,
  output_tokens,
  cached_tokens: 0,
  reasoning_tokens: 0,
});

describe('status line: think-model usage apart', () => {
  it('sums think_usage events apart from the loop usage and shows them on their own', () => {
    let s = initialState({ model: 'fast', contextTokens: 100_000 });
    const events = [
      { type: 'usage', seq: 1, ts: 0, step: 1, ...u(1000, 50), total: u(1000, 50) },
      { type: 'think_usage', seq: 2, ts: 0, call_id: 'c', model: 'deep', ...u(2000, 800), total: u(2000, 800) },
      { type: 'think_usage', seq: 3, ts: 0, call_id: 'd', model: 'deep', ...u(3000, 200), total: u(5000, 1000) },
    ] as AgentEvent[];
    for (const e of events) s = reduce(s, e);
    expect(s.status.total).toEqual(u(1000, 50));
    expect(s.status.think).toEqual(u(5000, 1000));
    const line = statusText(s.status, { color: false }, 0, 0, 120);
    expect(line).toContain('↑1.0k ↓50');
    expect(line).toContain('think ↑5.0k ↓1.0k');
  });
});

describe('compaction is shown', () => {
  it('as a notice in the transcript and a line in headless text', async () => {
    const e = {
      type: 'compaction',
      seq: 1,
      ts: 0,
      before_tokens: 17000,
      after_tokens: 9000,
      elided: 7,
      count: 1,
    } as AgentEvent;
    const s = reduce(initialState(), e);
    expect(s.done.at(-1)).toMatchObject({ kind: 'notice', text: expect.stringContaining('7 old tool result(s)') });
    const { createTextRenderer } = await import('../../src/headless/text.js');
    let out = '';
    createTextRenderer((t) => (out += t), { color: false })(e);
    expect(out).toBe('context compacted: 7 old tool result(s) elided, ~17000 → ~9000 tokens\n');
  });
});
