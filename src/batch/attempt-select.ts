/**
 * Best-of-N selection (`sedge exec --attempts N`): which of several finished attempts at one task is kept.
 * Pure: the facts of each attempt in, the winner and the reason out.
 */

/** What selection needs to know about one finished attempt. */
export interface AttemptFacts {
  /** 1-based, as the attempt is shown to people */
  index: number;
  /** how the run ended (run_end status), or `error` when it never ran (checkout or crash) */
  status: string;
  /** the test gate's last verdict: true passed, false failed, null the tests did not run */
  verified: boolean | null;
  /** new failing tests at the gate's last run (0 when it passed; null when it did not run) */
  newFailures: number | null;
  /** changed lines of the attempt's diff against the base (added + removed) */
  diffLines: number;
  /** tokens the attempt spent (input + output) */
  tokens: number;
}

export interface Selection {
  /** the chosen attempt's index, or null when no attempt finished its task */
  winner: number | null;
  /** one sentence: why the winner was chosen (or why none was) */
  reason: string;
  /** every attempt's index, best first */
  ranking: number[];
  /** indexes still tied with the winner after every rule (a judge may break the tie) */
  tied: number[];
}

/**
 * Rules, in order: an attempt must have finished (`done`) to win; then no new test failures first (tests
 * passed, before tests not run, before tests failed); then the smallest change; then fewer tokens; then the
 * lower index. An attempt that changed nothing can win only when its tests pass (a no-op that is known good).
 */
export function selectAttempt(attempts: readonly AttemptFacts[]): Selection {
  const ranked = [...attempts].sort(compare);
  const ranking = ranked.map((a) => a.index);
  const best = ranked[0];
  if (!best || !eligible(best)) {
    const reason = attempts.length === 0 ? 'no attempts ran' : 'no attempt finished its task; nothing applied';
    return { winner: null, reason, ranking, tied: [] };
  }
  const tied = ranked.filter((a) => eligible(a) && compare(a, best, false) === 0).map((a) => a.index);
  return { winner: best.index, reason: explain(best, ranked.slice(1).filter(eligible)), ranking, tied };
}

/** 0: tests passed; 1: tests not run; 2: tests failed */
function gateTier(a: AttemptFacts): number {
  if (a.verified === true) return 0;
  if (a.verified === null) return 1;
  return 2;
}

function eligible(a: AttemptFacts): boolean {
  if (a.status !== 'done') return false;
  return a.diffLines > 0 || a.verified === true;
}

function compare(a: AttemptFacts, b: AttemptFacts, byIndex = true): number {
  return (
    Number(eligible(b)) - Number(eligible(a)) ||
    gateTier(a) - gateTier(b) ||
    (a.newFailures ?? 0) - (b.newFailures ?? 0) ||
    a.diffLines - b.diffLines ||
    a.tokens - b.tokens ||
    (byIndex ? a.index - b.index : 0)
  );
}

function explain(w: AttemptFacts, others: AttemptFacts[]): string {
  const tests = w.verified === true ? 'tests pass' : w.verified === null ? 'tests not run' : 'tests fail';
  if (others.length === 0) {
    return w.verified === true ? 'the only attempt whose tests pass' : `the only attempt that finished (${tests})`;
  }
  const next = others[0] as AttemptFacts;
  if (gateTier(next) !== gateTier(w)) return `${tests}; attempt ${next.index} ${tierWords(next)}`;
  if ((next.newFailures ?? 0) !== (w.newFailures ?? 0))
    return `${tests}; fewer new failures (${w.newFailures} vs ${next.newFailures})`;
  if (next.diffLines !== w.diffLines)
    return `${tests}; smallest change (${w.diffLines} lines vs ${next.diffLines} in attempt ${next.index})`;
  if (next.tokens !== w.tokens)
    return `${tests}; same change size, fewer tokens (${w.tokens} vs ${next.tokens} in attempt ${next.index})`;
  return `${tests}; tied with attempt ${next.index} on every rule, the first one kept`;
}

function tierWords(a: AttemptFacts): string {
  return a.verified === null ? 'did not run the tests' : 'has failing tests';
}

/** Changed lines of a unified diff (binary hunks count as one line each). */
export function diffLineCount(patch: string): number {
  let n = 0;
  for (const line of patch.split('\n')) {
    if (line.startsWith('+++ ') || line.startsWith('--- ')) continue;
    if (line.startsWith('+') || line.startsWith('-')) n++;
    else if (line.startsWith('GIT binary patch') || line.startsWith('Binary files ')) n++;
  }
  return n;
}
