import { describe, expect, it } from 'vitest';
import { emptyUsage } from '../../src/agent/events.js';
import { createLineView, createLiveView } from '../../src/batch/progress.js';
import type { TaskResult } from '../../src/batch/types.js';

const result = (id: string, status: TaskResult['status']): TaskResult => ({
  id,
  repo: `/r/${id}`,
  status,
  exit_code: status === 'done' ? 0 : 1,
  reason: status === 'done' ? 'the model finished and the tests agree' : 'tests still failing',
  base_ref: 'abc',
  tests_before: null,
  tests_after: { command: 'npm test', passed: 3, failed: 0, failing: [], fixed: [], rerun: true, summary: '3 passed' },
  verified: status === 'done',
  steps: 2,
  tokens: { ...emptyUsage(), input_tokens: 100, output_tokens: 20 },
  cost_usd: 0.01,
  duration_ms: 1500,
  timings: { checkout_ms: 10, run_ms: 1400, finish_ms: 20 },
  patch_bytes: 10,
  started_at: '',
  finished_at: '',
});

describe('batch progress views', () => {
  it('TTY: counts, ETA, tokens, cost and one line per running task, redrawn in place without clearing the screen', () => {
    let out = '';
    let t = 0;
    const view = createLiveView((s) => (out += s), { columns: () => 120, costOf: () => 0, now: () => t });
    view.update({ type: 'batch_start', total: 4, already_finished: 1, concurrency: 2 });
    view.update({ type: 'task_start', id: 'a' });
    view.update({ type: 'task_start', id: 'b' });
    view.update({
      type: 'task_event',
      id: 'a',
      event: { type: 'step_start', step: 3, seq: 1, ts: 0 },
    });
    view.update({
      type: 'task_event',
      id: 'a',
      event: {
        type: 'tool_start',
        call_id: 'c',
        name: 'shell',
        kind: 'execute',
        args: {},
        title: 'npm test',
        seq: 2,
        ts: 0,
      },
    });
    t = 4000;
    view.update({ type: 'task_end', result: result('b', 'tests_failed') });
    view.close();
    expect(out).not.toContain('\x1b[2J'); // never clears the screen
    expect(out).not.toContain('\x1b[H');
    expect(out).toContain('b tests_failed (exit 1, 1.5 s, 120 tok $0.0100); tests: 3 passed; tests still failing');
    const last = out.slice(out.lastIndexOf('batch '));
    expect(last).toMatch(/^batch 2\/4 done · 1 running · 1 failed · 1 queued · 120 tok · \$0\.0100 · ETA \d+ s/);
    expect(last).toContain('  a  step 3  4 s  npm test');
    // the block it drew before is erased with cursor-up + erase-below, not a clear
    view.update({ type: 'task_end', result: result('a', 'done') });
    expect(out).toContain('\x1b[2A\r\x1b[J');
  });

  it('no TTY: one plain line per finished task', () => {
    let out = '';
    const view = createLineView((s) => (out += s));
    view.update({ type: 'batch_start', total: 2, already_finished: 0, concurrency: 1 });
    view.update({ type: 'task_start', id: 'a' });
    view.update({ type: 'task_end', result: result('a', 'done') });
    view.update({ type: 'stop', reason: '--max-tokens 10 reached', not_started: ['b'] });
    view.close();
    expect(out.split('\n').filter(Boolean)).toEqual([
      'batch: 2 task(s), 0 already finished, concurrency 1',
      '[1/2] a done (exit 0, 1.5 s, 120 tok $0.0100); tests: 3 passed; the model finished and the tests agree',
      'batch: stopped starting tasks: --max-tokens 10 reached',
    ]);
  });
});
