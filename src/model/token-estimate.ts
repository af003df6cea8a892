/**
 * The one token estimate, for budgets (compaction, recall blocks) and for a replayed model's usage: about
 * 3.6 characters a token for English and code, and every word at least one token. Not a tokenizer; it
 * errs on the high side so budgets hold.
 */
export function estimateTokens(text: string): number {
  if (!text) return 0;
  const words = text.split(/\s+/).filter(Boolean).length;
  return Math.max(words, Math.ceil(text.length / 3.6));
}
