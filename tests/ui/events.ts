import type { AgentEvent, EventInit } from '../../src/agent/events.js';

/** Stamp event inits with seq and ts, like the loop does (a fake event source for UI tests). */
export function stamper(start = 1_000) {
  let seq = 0;
  let ts = start;
  return (e: EventInit, advance = 0): AgentEvent => {
    ts += advance;
    return { ...e, seq: seq++, ts } as AgentEvent;
  };
}

export const usage0 = { input_tokens: 0, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0 };

export function runStart(task = 'fix it'): EventInit {
  return {
    type: 'run_start',
    version: 1,
    session_id: 's1',
    task,
    cwd: '/tmp/x',
    model: 'test-model',
    tools: ['shell'],
    approval: 'auto',
  };
}

export function runEnd(status: 'done' | 'aborted' = 'done'): EventInit {
  return {
    type: 'run_end',
    status,
    reason: status === 'done' ? 'finished' : 'interrupted',
    final_text: '',
    steps: 1,
    usage: usage0,
    duration_ms: 1200,
    verified: null,
  };
}
