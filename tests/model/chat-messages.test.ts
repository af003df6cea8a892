import { describe, expect, it } from 'vitest';
import { toChatMessages } from '../../src/model/openai.js';

describe('toChatMessages', () => {
  it('never sends an assistant message with neither content nor tool calls (the spec requires one of them)', () => {
    // An empty answer (no text, no tool call) followed by a test-gate round puts such a turn in the history.
    const [empty, withCalls] = toChatMessages([
      { role: 'assistant', content: '' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'c', name: 'think', arguments: '{}' }] },
    ]);
    expect(empty).toEqual({ role: 'assistant', content: '' });
    expect(withCalls).toMatchObject({ role: 'assistant', content: null, tool_calls: [{ id: 'c' }] });
  });
});
