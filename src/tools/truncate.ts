export interface TruncateLimits {
  /** most characters the model sees from one tool result */
  maxChars: number;
  /** most lines the model sees from one tool result */
  maxLines: number;
}

export const DEFAULT_LIMITS: TruncateLimits = { maxChars: 16_000, maxLines: 400 };

export interface Truncated {
  text: string;
  truncated: boolean;
  totalLines: number;
}

/**
 * Keep the head and the tail (errors tend to be at the end, context at the start) and say how much
 * was left out in between. Pure; the caller decides where the full text goes.
 */
export function truncateOutput(text: string, limits: Partial<TruncateLimits> = {}): Truncated {
  const { maxChars, maxLines } = { ...DEFAULT_LIMITS, ...limits };
  const lines = text.split('\n');
  const totalLines = lines.length;
  if (text.length <= maxChars && totalLines <= maxLines) return { text, truncated: false, totalLines };

  const headLines = Math.floor(maxLines * 0.4);
  const tailLines = maxLines - headLines;
  const headBudget = Math.floor(maxChars * 0.4);
  const tailBudget = maxChars - headBudget;

  const head: string[] = [];
  let used = 0;
  for (const line of lines) {
    if (head.length >= headLines || used + line.length + 1 > headBudget) break;
    head.push(line);
    used += line.length + 1;
  }
  const tail: string[] = [];
  used = 0;
  for (let i = lines.length - 1; i >= head.length; i--) {
    const line = lines[i] ?? '';
    if (tail.length >= tailLines || used + line.length + 1 > tailBudget) break;
    tail.unshift(line);
    used += line.length + 1;
  }
  // A single enormous line: cut it by characters instead.
  if (head.length === 0 && tail.length === 0) {
    const omitted = text.length - maxChars;
    return {
      text: `${text.slice(0, headBudget)}\n[… ${omitted} characters omitted …]\n${text.slice(text.length - tailBudget)}`,
      truncated: true,
      totalLines,
    };
  }
  const omittedLines = totalLines - head.length - tail.length;
  const marker = `[… ${omittedLines} lines omitted (${totalLines} in all) …]`;
  return { text: [...head, marker, ...tail].join('\n'), truncated: true, totalLines };
}
