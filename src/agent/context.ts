import { estimateTokens } from '../model/token-estimate.js';
import type { Message } from '../model/types.js';
import { readPrompt } from '../config/prompts.js';

export function estimateMessages(messages: readonly Message[]): number {
  let total = 0;
  for (const m of messages) {
    total += 4 + estimateTokens(m.content);
    if (m.role === 'assistant' && m.tool_calls)
      for (const c of m.tool_calls) total += 8 + estimateTokens(c.name + c.arguments);
  }
  return total;
}

/** The first user message: repo instructions, recalled prior work, then the task. */
export function firstUserMessage(task: string, parts: { instructions?: string; recall?: string }): string {
  const sections: string[] = [];
  if (parts.instructions?.trim())
    sections.push(`<repo-instructions>\n${parts.instructions.trim()}\n</repo-instructions>`);
  if (parts.recall?.trim()) sections.push(parts.recall.trim());
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
