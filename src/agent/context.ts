import { estimateTokens } from '../model/token-estimate.js';
import type { Message } from '../model/types.js';
import { readPrompt } from '../config/prompts.js';

export function estimateMessages(messages: readonly Message[]): number {
  let total = 0;
  for (const m of messages) {
    total += 4 + estimateTokens(m.content);
    if (m.role === 'assistant' && m.tool_calls)
      for (const c of m.tool_calls) total += 8 + estimateTokens(c.name + c.arguments);
    // reasoning sent back: Chat passback text, Responses encrypted items
    if (m.role === 'assistant' && m.reasoning) total += estimateTokens(m.reasoning);
    if (m.role === 'assistant' && m.items) total += estimateTokens(JSON.stringify(m.items));
  }
  return total;
}

/**
 * The first user message: repo instructions (the same bytes for every run in the repo, so they extend the
 * cached prefix), then what varies: recalled prior work, where the run starts, the task.
 */
export function firstUserMessage(
  task: string,
  parts: { instructions?: string; recall?: string; where?: string },
): string {
  const sections: string[] = [];
  if (parts.instructions?.trim())
    sections.push(`<repo-instructions>\n${parts.instructions.trim()}\n</repo-instructions>`);
  if (parts.recall?.trim()) sections.push(parts.recall.trim());
  if (parts.where?.trim()) sections.push(parts.where.trim());
  sections.push(sections.length ? `<task>\n${task}\n</task>` : task);
  return sections.join('\n\n');
}

/**
 * Keep the conversation inside the budget: old tool results are replaced by a short note, oldest
 * first, always keeping the system prompt, the first user message and the most recent `keepRecent`
 * messages intact. Returns a new array; the input is not changed. Idempotent.
 */
export function compactHistory(messages: readonly Message[], budgetTokens: number, keepRecent = 8): Message[] {
  let total = estimateMessages(messages);
  if (total <= budgetTokens) return [...messages];
  const out = [...messages];
  const firstUser = out.findIndex((m) => m.role === 'user');
  const elided = readPrompt('notes/output-elided.md');
  const stop = Math.max(0, out.length - keepRecent);
  for (let i = 0; i < stop && total > budgetTokens; i++) {
    const m = out[i];
    if (!m || i <= firstUser || m.role !== 'tool' || m.content === elided) continue;
    total -= estimateTokens(m.content) - estimateTokens(elided);
    out[i] = { ...m, content: elided };
  }
  return out;
}

export interface CompactionOptions {
  /** the model's context window, tokens */
  contextTokens: number;
  /** compact when the conversation passes this share of the window */
  highWater?: number;
  /** ...down to this share, in one step */
  lowWater?: number;
  /** compactions a run may do at most */
  maxPerRun?: number;
  /** the most recent messages are never elided */
  keepRecent?: number;
  /** tokens the request carries besides the messages (tool schemas) */
  overheadTokens?: number;
}

export interface Compaction {
  before_tokens: number;
  after_tokens: number;
  elided: number;
  /** this run's compactions so far, this one included */
  count: number;
}

export const COMPACTION_DEFAULTS = { highWater: 0.8, lowWater: 0.5, maxPerRun: 3, keepRecent: 8 } as const;

/**
 * Compaction that keeps the provider's prompt cache useful: nothing changes until the conversation passes the
 * high-water mark; then old tool results are elided in ONE step down to the low-water mark and the history
 * itself is rewritten, so every later request starts with the same (new) prefix. The system prompt and the
 * first user message (repo instructions, recall, task) are never touched. At most `maxPerRun` times a run.
 */
export function createCompactor(opts: CompactionOptions): (messages: Message[]) => Compaction | null {
  const o = { ...COMPACTION_DEFAULTS, ...opts };
  const overhead = o.overheadTokens ?? 0;
  let count = 0;
  return (messages) => {
    const before = estimateMessages(messages) + overhead;
    if (before <= o.contextTokens * o.highWater || count >= o.maxPerRun) return null;
    const target = Math.floor(o.contextTokens * o.lowWater) - overhead;
    const out = compactHistory(messages, target, o.keepRecent);
    const elided = out.filter((m, i) => m !== messages[i]).length;
    if (elided === 0) return null;
    messages.splice(0, messages.length, ...out);
    count++;
    return { before_tokens: before, after_tokens: estimateMessages(messages) + overhead, elided, count };
  };
}
