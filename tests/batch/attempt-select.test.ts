import { describe, expect, it } from 'vitest';
import { type AttemptFacts, diffLineCount, selectAttempt } from '../../src/batch/attempt-select.js';

const a = (index: number, over: Partial<AttemptFacts> = {}): AttemptFacts => ({
  index,
  status: 'done',
  verified: true,
  newFailures: 0,
  diffLines: 10,
  tokens: 1000,
  ...over,
});

describe('selectAttempt', () => {
  it('chooses the only attempt whose tests pass, whatever its size or cost', () => {
    const s = selectAttempt([
      a(1, { status: 'tests_failed', verified: false, newFailures: 1, diffLines: 2, tokens: 10 }),
      a(2, { diffLines: 40, tokens: 9000 }),
      a(3, { status: 'tests_failed', verified: false, newFailures: 2, diffLines: 1 }),
    ]);
    expect(s.winner).toBe(2);
    expect(s.reason).toBe('the only attempt whose tests pass');
    expect(s.ranking).toEqual([2, 1, 3]);
  });

  it('among passing attempts the smaller diff wins, then fewer tokens, then the first', () => {
    expect(selectAttempt([a(1, { diffLines: 12 }), a(2, { diffLines: 3 })])).toMatchObject({
      winner: 2,
      reason: 'tests pass; smallest change (3 lines vs 12 in attempt 1)',
      tied: [2],
    });
    expect(selectAttempt([a(1, { tokens: 900 }), a(2, { tokens: 500 })]).winner).toBe(2);
    const tie = selectAttempt([a(1), a(2), a(3, { diffLines: 11 })]);
    expect(tie).toMatchObject({ winner: 1, tied: [1, 2] });
    expect(tie.reason).toContain('tied with attempt 2');
  });

  it('prefers tests that passed over tests that did not run, and those over failing ones', () => {
    expect(selectAttempt([a(1, { verified: null, newFailures: null, diffLines: 1 }), a(2)]).winner).toBe(2);
    const s = selectAttempt([
      a(1, { status: 'tests_failed', verified: false, newFailures: 1 }),
      a(2, { verified: null, newFailures: null }),
    ]);
    expect(s.winner).toBe(2);
    expect(s.reason).toBe('the only attempt that finished (tests not run)');
  });

  it('applies nothing when no attempt finished, and never a no-op whose tests did not pass', () => {
    const none = selectAttempt([
      a(1, { status: 'tests_failed', verified: false, newFailures: 1 }),
      a(2, { status: 'error', verified: null, newFailures: null, diffLines: 0 }),
      a(3, { verified: null, newFailures: null, diffLines: 0 }),
    ]);
    expect(none.winner).toBeNull();
    expect(none.reason).toContain('nothing applied');
    expect(selectAttempt([]).winner).toBeNull();
    // a run that changed nothing but whose tests pass is a valid (smallest) answer
    expect(selectAttempt([a(1, { diffLines: 0 }), a(2)]).winner).toBe(1);
  });
});

describe('diffLineCount', () => {
  it('counts added and removed lines, not the file headers', () => {
    const patch = [
      'diff --git a/x b/x',
      '--- a/x',
      '+++ b/x',
      '@@ -1,2 +1,2 @@',
      ' same',
      '-old',
      '+new',
      '+more',
      '',
    ].join('\n');
    expect(diffLineCount(patch)).toBe(3);
    expect(diffLineCount('')).toBe(0);
  });
});
