import { describe, expect, it } from 'vitest';
import { createReplayModel } from '../../src/model/replay.js';
import { parseScript } from '../../src/model/script.js';
import { toChatMessages } from '../../src/model/openai.js';
import type { ModelChunk } from '../../src/model/types.js';

describe('replay scripts', () => {
  it('parses turns, comments and recorded sessions', () => {
    const text = [
      '// a comment',
      '{"text": "hi", "tool_calls": [{"name": "shell", "arguments": {"command": "ls"}}]}',
      '',
      '{"type": "run_start", "seq": 0}',
      '{"type": "assistant_message", "text": "again", "tool_calls": [{"id": "c1", "name": "grep", "arguments": "{\\"pattern\\":\\"x\\"}"}]}',
      '{"text": "torn',
    ].join('\n');
    const turns = parseScript(text);
    expect(turns).toHaveLength(2);
    expect(turns[1]?.tool_calls?.[0]).toMatchObject({ id: 'c1', name: 'grep' });
  });

  it('says which line is wrong', () => {
    expect(() => parseScript('{"text": 1}\n{"text": "ok"}', 'f.jsonl')).toThrow(/f\.jsonl:1: not a scripted turn/);
    expect(() => parseScript('nope\n{"text": "ok"}', 'f.jsonl')).toThrow(/f\.jsonl:1: not valid JSON/);
  });

  it('streams each turn and fails clearly when the script runs out', async () => {
    const model = createReplayModel(
      parseScript('{"text": "hello world", "tool_calls": [{"name": "think", "arguments": {"thought": "t"}}]}'),
      { id: 'replay:x' },
    );
    const chunks: ModelChunk[] = [];
    for await (const c of model.stream({ messages: [], tools: [] }, new AbortController().signal)) chunks.push(c);
    expect(
      chunks
        .filter((c) => c.type === 'text')
        .map((c) => (c as { text: string }).text)
        .join(''),
    ).toBe('hello world');
    expect(chunks.find((c) => c.type === 'tool_call')).toMatchObject({
      call: { name: 'think', arguments: '{"thought":"t"}' },
    });
    const again = model.stream({ messages: [], tools: [] }, new AbortController().signal)[Symbol.asyncIterator]();
    await expect(again.next()).rejects.toThrow(/replay script exhausted after 1 turn/);
  });
});

describe('toChatMessages', () => {
  it('maps assistant tool calls and tool results to the Chat Completions shape', () => {
    const out = toChatMessages([
      { role: 'assistant', content: '', tool_calls: [{ id: 'a', name: 'shell', arguments: '{}' }] },
      { role: 'tool', tool_call_id: 'a', name: 'shell', content: 'ok' },
    ]);
    expect(out[0]).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'a', type: 'function', function: { name: 'shell', arguments: '{}' } }],
    });
    expect(out[1]).toEqual({ role: 'tool', tool_call_id: 'a', content: 'ok' });
  });
});
