import { describe, expect, it } from 'vitest';
import { compactHistory, estimateMessages, firstUserMessage } from '../../src/agent/context.js';
import type { Message } from '../../src/model/types.js';
import { truncateOutput } from '../../src/tools/truncate.js';

describe('compactHistory', () => {
  const big = 'x'.repeat(4000);
  const history: Message[] = [
    { role: 'system', content: 'sys' },
    { role: 'user', content: 'task' },
    ...Array.from({ length: 10 }, (_, i): Message[] => [
      { role: 'assistant', content: '', tool_calls: [{ id: `c${i}`, name: 'shell', arguments: '{}' }] },
      { role: 'tool', tool_call_id: `c${i}`, name: 'shell', content: big },
    ]).flat(),
  ];

  it('leaves a conversation under budget alone', () => {
    expect(compactHistory(history, 1_000_000)).toEqual(history);
  });

  it('elides the oldest tool results first and keeps the recent ones and the task', () => {
    const out = compactHistory(history, 5000, 4);
    expect(estimateMessages(out)).toBeLessThanOrEqual(5000);
    expect(out[1]).toEqual(history[1]);
    expect(out.at(-1)).toEqual(history.at(-1));
    expect((out[3] as { content: string }).content).toMatch(/elided/);
    expect(out).toHaveLength(history.length); // every tool call keeps its answer
    expect(compactHistory(out, 5000, 4)).toEqual(out);
  });
});

describe('firstUserMessage', () => {
  it('puts instructions and recall before the task', () => {
    const text = firstUserMessage('fix it', { instructions: 'use pnpm', recall: '<prior-work>x</prior-work>' });
    expect(text.indexOf('use pnpm')).toBeLessThan(text.indexOf('<prior-work>'));
    expect(text.indexOf('<prior-work>')).toBeLessThan(text.indexOf('fix it'));
    expect(firstUserMessage('fix it', {})).toBe('fix it');
  });
});

describe('truncateOutput', () => {
  it('keeps head and tail and says what was left out', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`).join('\n');
    const t = truncateOutput(text, { maxLines: 100, maxChars: 100_000 });
    expect(t.truncated).toBe(true);
    expect(t.text.split('\n')).toHaveLength(101);
    expect(t.text).toMatch(/^line 1\n/);
    expect(t.text).toMatch(/line 1000$/);
    expect(t.text).toContain('[… 900 lines omitted (1000 in all) …]');
  });

  it('cuts one enormous line by characters', () => {
    const t = truncateOutput('y'.repeat(50_000), { maxChars: 1000 });
    expect(t.text.length).toBeLessThan(1100);
    expect(t.text).toContain('characters omitted');
  });

  it('passes short output through', () => {
    expect(truncateOutput('ok')).toEqual({ text: 'ok', truncated: false, totalLines: 1 });
  });
});
