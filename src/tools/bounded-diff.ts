/**
 * A unified diff whose cost is bounded: Myers' diff (quadratic when every line changes) gets an edit budget and a
 * time budget; past either it gives up and the caller gets a one-line summary of the changed region instead
 * (computed in linear time from the common head and tail).
 */
import { createTwoFilesPatch } from 'diff';

export interface BoundedDiffOptions {
  /** most line insertions + deletions Myers may explore; default 4000 */
  maxEditLength?: number;
  /** most milliseconds the diff may take; default 500 */
  timeoutMs?: number;
}

export interface BoundedDiff {
  /** the unified diff, or a summary when the diff was too large to compute */
  text: string;
  /** false when the diff gave up and `text` is a summary */
  complete: boolean;
}

export function boundedDiff(rel: string, oldText: string, newText: string, opts: BoundedDiffOptions = {}): BoundedDiff {
  const patch = createTwoFilesPatch(rel, rel, oldText, newText, undefined, undefined, {
    context: 3,
    headerOptions: { includeIndex: false, includeUnderline: false, includeFileHeaders: true },
    maxEditLength: opts.maxEditLength ?? 4000,
    timeout: opts.timeoutMs ?? 500,
  });
  if (patch !== undefined) return { text: patch, complete: true };
  return { text: summarize(rel, oldText, newText), complete: false };
}

/** "12,000 lines changed": the region between the common first and last lines, old and new sizes. */
export function summarize(rel: string, oldText: string, newText: string): string {
  const a = oldText.split('\n');
  const b = newText.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const removed = a.length - head - tail;
  const added = b.length - head - tail;
  const n = (x: number) => x.toLocaleString('en-US');
  const changed = Math.max(removed, added);
  const range = removed > 0 ? `lines ${n(head + 1)}-${n(head + removed)}` : `after line ${n(head)}`;
  return (
    `--- ${rel}\n+++ ${rel}\n[diff too large to show: ${n(changed)} lines changed (${range}: ${n(removed)} removed, ` +
    `${n(added)} added). View the result with a sed range, e.g. "${head + 1},${head + Math.min(added, 40) || 1}p".]\n`
  );
}
