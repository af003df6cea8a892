import { describe, expect, it } from 'vitest';
import type { EventInit } from '../../src/agent/events.js';
import {
  costOf,
  initialState,
  reduce,
  replayEvents,
  splitCommitted,
  type Action,
  type TranscriptState,
} from '../../src/ui/transcript.js';
import { runEnd, runStart, stamper } from './events.js';

function apply(actions: Action[], s: TranscriptState = initialState()): TranscriptState {
  return actions.reduce(reduce, s);
}

describe('transcript reducer', () => {
  it('streams assistant text, committing finished blocks and keeping the block being written live', () => {
    const ev = stamper();
    let s = apply([ev(runStart()), ev({ type: 'step_start', step: 1 })]);
    expect(s.status.running).toBe(true);
    expect(s.status.model).toBe('test-model');
    s = reduce(s, ev({ type: 'assistant_delta', text: '# Plan\n\nFirst para' }));
    expect(s.done.map((i) => i.kind)).toEqual(['assistant']);
    expect(s.done[0]).toMatchObject({ text: '# Plan' });
    expect(s.streaming).toBe('First para');
    s = reduce(s, ev({ type: 'assistant_delta', text: 'graph.\n\n```js\nconst a = 1;\n\nconst b = 2;\n' }));
    // a code fence cut while open is closed in the committed part and reopened in the live part
    const committed = s.done.map((i) => (i.kind === 'assistant' ? i.text : ''));
    expect(committed[0]).toBe('# Plan');
    expect(committed.slice(1).join('\n')).toContain('First paragraph.');
    expect(committed.at(-1)).toMatch(/```js\n[\s\S]*\n```$/);
    expect(s.streaming.startsWith('```js\n')).toBe(true);
    s = reduce(s, ev({ type: 'assistant_delta', text: '```\nafter' }));
    s = reduce(s, ev({ type: 'assistant_message', text: 'ignored when deltas came', tool_calls: [] }));
    const texts = s.done.filter((i) => i.kind === 'assistant').map((i) => (i.kind === 'assistant' ? i.text : ''));
    expect(texts.join('\n')).toContain('const b = 2;\n```');
    expect(texts.at(-1)).toBe('after');
    expect(s.streaming).toBe('');
  });

  it('commits long blocks without blank lines in pieces so the live text stays short', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `- item ${i}`).join('\n');
    const { commit, rest } = splitCommitted(`${lines}\n- partial`);
    expect(commit.split('\n').length).toBeGreaterThan(70);
    expect(rest.split('\n').length).toBeLessThan(30);
    expect(`${commit}\n${rest}`).toBe(`${lines}\n- partial`);
  });

  it('uses assistant_message text when nothing was streamed', () => {
    const ev = stamper();
    const s = apply([ev(runStart()), ev({ type: 'assistant_message', text: 'Hello **there**', tool_calls: [] })]);
    expect(s.done).toEqual([expect.objectContaining({ kind: 'assistant', text: 'Hello **there**' })]);
  });

  it('turns tool calls into live tools with a bounded tail, then into finished cards', () => {
    const ev = stamper();
    let s = apply([
      ev(runStart()),
      ev({ type: 'tool_start', call_id: 'c1', name: 'shell', kind: 'execute', args: {}, title: 'npm test' }),
    ]);
    expect(s.tools).toHaveLength(1);
    expect(s.status.activity).toContain('npm test');
    for (let i = 0; i < 1000; i++) s = reduce(s, ev({ type: 'tool_output', call_id: 'c1', text: `line ${i}\n` }));
    expect(s.tools[0]?.lines).toBe(1000);
    expect(s.tools[0]?.tail.split('\n').length).toBeLessThanOrEqual(201);
    expect(s.tools[0]?.tail).toContain('line 999');
    s = reduce(
      s,
      ev({
        type: 'tool_end',
        call_id: 'c1',
        name: 'shell',
        is_error: false,
        output: 'model text',
        display: 'person text',
        data: { exit_code: 1 },
        duration_ms: 2500,
      }),
    );
    expect(s.tools).toEqual([]);
    expect(s.done.at(-1)).toMatchObject({
      kind: 'tool',
      title: 'npm test',
      result: { text: 'person text', exitCode: 1, durationMs: 2500, isError: false },
    });
  });

  it('keeps sed diffs, think notes, verify results, recall, errors and run_end', () => {
    const ev = stamper();
    const s = apply([
      ev(runStart()),
      ev({
        type: 'recall',
        items: [{ id: 't1', task: 'old', outcome: 'done', score: 1 }],
        files: ['a.ts'],
        tokens: 50,
      }),
      ev({ type: 'tool_start', call_id: 't', name: 'think', kind: 'think', args: {}, title: 'think' }),
      ev({ type: 'thought', text: 'line one\nline two\nline three', source: 'think' }),
      ev({ type: 'tool_end', call_id: 't', name: 'think', is_error: false, output: 'ok', duration_ms: 1 }),
      ev({ type: 'tool_start', call_id: 'e', name: 'sed', kind: 'edit', args: {}, title: 'sed a.ts' }),
      ev({
        type: 'tool_end',
        call_id: 'e',
        name: 'sed',
        is_error: false,
        output: 'ok',
        data: { diff: '--- a/a.ts\n+++ b/a.ts\n@@ -1 +1 @@\n-old\n+new\n', files_changed: ['a.ts'] },
        duration_ms: 3,
      }),
      ev({ type: 'verify_start', round: 1, command: 'npm test' }),
      ev({
        type: 'verify_result',
        round: 1,
        command: 'npm test',
        ok: false,
        passed: 3,
        failed: 1,
        new_failures: ['adds'],
        preexisting: [],
        duration_ms: 900,
        output_file: null,
        summary: '3 passed, 1 failed',
      }),
      ev({ type: 'error', message: 'boom', source: 'tool', fatal: false }),
      ev({
        type: 'usage',
        step: 1,
        input_tokens: 64_000,
        output_tokens: 10,
        cached_tokens: 5,
        reasoning_tokens: 0,
        total: { input_tokens: 64_000, output_tokens: 10, cached_tokens: 5, reasoning_tokens: 0 },
      }),
    ]);
    expect(s.done.map((i) => i.kind)).toEqual(['recall', 'thought', 'tool', 'verify', 'error']);
    expect(s.lastRecall?.files).toEqual(['a.ts']);
    expect(s.done[2]).toMatchObject({ result: { diff: expect.stringContaining('+new'), filesChanged: ['a.ts'] } });
    expect(s.status.lastInput).toBe(64_000);
    const end = reduce(s, ev(runEnd()));
    expect(end.done.at(-1)).toMatchObject({ kind: 'run_end', status: 'done' });
    expect(end.status.running).toBe(false);
  });

  it('records approvals on the card and clears the pending request', () => {
    const ev = stamper();
    let s = apply([
      ev(runStart()),
      ev({ type: 'tool_start', call_id: 'c', name: 'shell', kind: 'execute', args: {}, title: 'rm -rf x' }),
    ]);
    s = reduce(s, {
      type: 'ui_approval',
      request: { call: { id: 'c', name: 'shell', arguments: '{}' }, kind: 'execute', args: {}, title: 'rm -rf x' },
    });
    expect(s.approval?.title).toBe('rm -rf x');
    s = reduce(s, ev({ type: 'approval', call_id: 'c', name: 'shell', decision: 'denied', reason: 'no' }));
    expect(s.approval).toBeNull();
    s = reduce(
      s,
      ev({ type: 'tool_end', call_id: 'c', name: 'shell', is_error: true, output: 'declined', duration_ms: 0 }),
    );
    expect(s.done.at(-1)).toMatchObject({ result: { decision: 'denied', isError: true } });
  });

  it('expands the last folded item as a new item (static output never changes)', () => {
    const ev = stamper();
    let s = apply([
      ev(runStart()),
      ev({ type: 'tool_start', call_id: 'c', name: 'shell', kind: 'execute', args: {}, title: 'ls' }),
    ]);
    s = reduce(
      s,
      ev({ type: 'tool_end', call_id: 'c', name: 'shell', is_error: false, output: 'a\nb', duration_ms: 1 }),
    );
    const before = s.done.length;
    s = reduce(s, { type: 'ui_expand_last' });
    expect(s.done).toHaveLength(before + 1);
    expect(s.done.at(-1)).toMatchObject({ kind: 'tool', expanded: true });
  });

  it('resets on /clear with a new epoch and replays a saved session', () => {
    const ev = stamper();
    const events = [
      ev(runStart('first task')),
      ev({ type: 'assistant_message', text: 'answer', tool_calls: [] }),
      ev(runEnd()),
    ];
    const s = replayEvents(events);
    expect(s.done.map((i) => i.kind)).toEqual(['user', 'assistant', 'run_end']);
    const cleared = reduce(s, { type: 'ui_reset', sessionId: 's2' });
    expect(cleared.done).toEqual([]);
    expect(cleared.epoch).toBe(s.epoch + 1);
    expect(cleared.status.sessionId).toBe('s2');
  });

  it('interrupt: run_end aborted drops live tools and commits streamed text', () => {
    const ev = stamper();
    const s = apply([
      ev(runStart()),
      ev({ type: 'assistant_delta', text: 'partial answer' }),
      ev({ type: 'tool_start', call_id: 'c', name: 'shell', kind: 'execute', args: {}, title: 'sleep 100' }),
      ev(runEnd('aborted')),
    ]);
    expect(s.tools).toEqual([]);
    expect(s.streaming).toBe('');
    expect(s.done.map((i) => i.kind)).toEqual(['assistant', 'run_end']);
  });
});

describe('splitCommitted in code fences', () => {
  it('cuts a long code block by closing and reopening the fence', () => {
    const code = Array.from({ length: 30 }, (_, i) => `x${i}();`).join('\n');
    const { commit, rest, midBlock } = splitCommitted(`\`\`\`js\n${code}\n`);
    expect(midBlock).toBe(true);
    expect(commit.startsWith('```js\n')).toBe(true);
    expect(commit.endsWith('\n```')).toBe(true);
    expect(rest.startsWith('```js\n')).toBe(true);
  });
});

describe('splitCommitted line by line', () => {
  it('commits each complete line, but keeps table rows and nested items with their block', () => {
    expect(splitCommitted('one\ntwo\npart')).toMatchObject({ commit: 'one\ntwo', rest: 'part', midBlock: true });
    // the next line has not started: it might be an indented continuation
    expect(splitCommitted('one\n').commit).toBe('');
    expect(splitCommitted('- a\n  - nested\n- b\nx').commit).toBe('- a\n  - nested\n- b');
    expect(splitCommitted('| a | b |\n|---|---|\n| 1 | 2 |\n').commit).toBe('');
    expect(splitCommitted('| a | b |\n|---|---|\n| 1 | 2 |\n\nafter').commit).toBe('| a | b |\n|---|---|\n| 1 | 2 |\n');
  });
});

describe('session usage', () => {
  it('adds each finished run to the session total shown on the status line', () => {
    const ev = stamper();
    const u = { input_tokens: 100, output_tokens: 10, cached_tokens: 40, reasoning_tokens: 0 };
    let s = initialState();
    for (let i = 0; i < 2; i++) {
      s = reduce(s, ev(runStart()));
      s = reduce(s, ev({ type: 'usage', step: 1, ...u, total: u }));
      s = reduce(s, ev({ ...runEnd(), usage: u } as EventInit));
    }
    expect(s.status.session).toEqual({ input_tokens: 200, output_tokens: 20, cached_tokens: 80, reasoning_tokens: 0 });
    expect(costOf(s.status.session, { input: 1, cachedInput: 0, output: 10 })).toBeCloseTo((120 + 200) / 1e6);
  });
});
