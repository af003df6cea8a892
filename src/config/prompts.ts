import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cache = new Map<string, string>();

/** The prompts/ folder shipped with the package (same depth from src/ and dist/). */
export function promptsDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'prompts');
}

/** Read a prompt file, e.g. readPrompt('tools/shell.md'). Cached; read on first use, never at import. */
export function readPrompt(relativePath: string): string {
  let text = cache.get(relativePath);
  if (text === undefined) {
    text = readFileSync(join(promptsDir(), relativePath), 'utf8').trim();
    cache.set(relativePath, text);
  }
  return text;
}

/** A prompt with its {{name}} placeholders filled, e.g. fillPrompt('notes/call-declined.md', { tool: 'shell' }). */
export function fillPrompt(relativePath: string, values: Record<string, string | number>): string {
  let text = readPrompt(relativePath);
  for (const [name, value] of Object.entries(values)) text = text.split(`{{${name}}}`).join(String(value));
  return text;
}
