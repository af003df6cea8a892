// The fixed prefix every request starts with: the system prompt plus the tool schemas, rendered the way
// Chat Completions sends them, counted with o200k_base (the GPT-4o / GPT-4.1 tokenizer).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** @param {{ schema: object }[]} tools */
export function fixedPrefixTokens(tools) {
  const system = countTokens(readFileSync(join(root, 'prompts', 'system.md'), 'utf8').trim());
  const schemas = countTokens(JSON.stringify(tools.map((t) => ({ type: 'function', function: t.schema }))));
  return { system, tools: schemas, total: system + schemas };
}
