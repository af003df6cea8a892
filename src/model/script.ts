import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * A scripted assistant turn: the format of `--model replay:FILE` (one JSON object per line) and of the
 * scripted OpenAI-compatible server the tests use. `arguments` may be an object (encoded for you) or a
 * raw string (sent as-is, so malformed JSON can be scripted).
 */
export const ScriptedToolCallSchema = z.object({
  id: z.string().optional(),
  name: z.string(),
  arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).default({}),
});

export const ScriptedTurnSchema = z.object({
  text: z.string().optional(),
  reasoning: z.string().optional(),
  tool_calls: z.array(ScriptedToolCallSchema).optional(),
  usage: z
    .object({
      input_tokens: z.number().int().nonnegative().default(0),
      output_tokens: z.number().int().nonnegative().default(0),
      cached_tokens: z.number().int().nonnegative().default(0),
    })
    .optional(),
  /** a comment for people reading the script; ignored */
  note: z.string().optional(),
});

export type ScriptedToolCall = z.infer<typeof ScriptedToolCallSchema>;
export type ScriptedTurn = z.infer<typeof ScriptedTurnSchema>;

export function encodeArguments(args: ScriptedToolCall['arguments']): string {
  return typeof args === 'string' ? args : JSON.stringify(args);
}

/**
 * Parse a replay file. Lines may be scripted turns, or AgentEvents from a saved session
 * (`assistant_message` events are replayed, everything else is skipped), so a recorded run can be replayed.
 * Blank lines and lines starting with `//` are ignored.
 */
export function parseScript(text: string, source = 'script'): ScriptedTurn[] {
  const turns: ScriptedTurn[] = [];
  const lines = text.split('\n');
  let last = lines.length - 1;
  while (last > 0 && !lines[last]?.trim()) last--;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('//')) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      // A torn last line of a recorded session is skipped, like everywhere else.
      if (i === last) return;
      throw new Error(`${source}:${i + 1}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (value && typeof value === 'object' && 'type' in value) {
      const ev = value as { type: unknown; text?: unknown; tool_calls?: unknown };
      if (ev.type !== 'assistant_message') return;
      const calls = Array.isArray(ev.tool_calls) ? ev.tool_calls : [];
      turns.push({
        text: typeof ev.text === 'string' ? ev.text : '',
        tool_calls: calls.map((c: { id?: string; name: string; arguments: string }) => ({
          id: c.id,
          name: c.name,
          arguments: c.arguments,
        })),
      });
      return;
    }
    const parsed = ScriptedTurnSchema.safeParse(value);
    if (!parsed.success) {
      const why = parsed.error.issues.map((x) => `${x.path.join('.') || 'turn'}: ${x.message}`).join('; ');
      throw new Error(`${source}:${i + 1}: not a scripted turn (${why})`);
    }
    turns.push(parsed.data);
  });
  return turns;
}

export function readScript(path: string): ScriptedTurn[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read replay file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const turns = parseScript(text, path);
  if (turns.length === 0) throw new Error(`replay file ${path} has no assistant turns`);
  return turns;
}

/** Split text into small pieces the way a streaming model would send it. */
export function splitForStreaming(text: string, size = 12): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return parts;
}
