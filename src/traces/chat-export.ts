/**
 * `sedge traces export --format chat-jsonl`: each recorded run as one chat-format line (the `messages` shape
 * fine-tuning APIs take, with tool calls and tool results) plus reward fields from its trace record: the test
 * gate, what the person accepted, and whether it was the chosen attempt of a best-of-N run. The conversation
 * comes from the run's session file; every string is redacted before it is written.
 */
import { z } from 'zod';
import type { AgentEvent } from '../agent/events.js';
import { messagesFromEvents } from '../agent/session-files.js';
import type { TraceRecord } from './record.js';
import { type Redactor, redactDeep } from './redact.js';

const ToolCallSchema = z.object({
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const MessageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: z.string() }),
  z.object({ role: z.literal('user'), content: z.string() }),
  z.object({
    role: z.literal('assistant'),
    content: z.string(),
    tool_calls: z.array(ToolCallSchema).optional(),
  }),
  z.object({ role: z.literal('tool'), tool_call_id: z.string(), content: z.string() }),
]);

/** One exported line. README ("Exporting trajectories") shows this schema as JSON Schema. */
export const ChatExampleSchema = z.object({
  messages: z.array(MessageSchema).min(2),
  metadata: z.object({
    trace_id: z.string(),
    session_id: z.string(),
    task: z.string(),
    model: z.string(),
    started_at: z.string(),
    outcome: z.string(),
  }),
  reward: z.object({
    /** the test gate's last verdict */
    tests: z.enum(['passed', 'failed', 'not_run']),
    tests_new_failures: z.number().int().nullable(),
    /** kept: finished, not undone, and not a losing attempt */
    accepted: z.boolean(),
    approved_calls: z.number().int(),
    denied_calls: z.number().int(),
    undone: z.boolean(),
    /** a file the run changed was changed again outside sedge afterwards */
    edited_again: z.boolean(),
    /** a later commit holds the run's version of a file it changed */
    committed: z.boolean(),
    /** true/false for an attempt of `exec --attempts`, null for an ordinary run */
    chosen_attempt: z.boolean().nullable(),
    attempt: z
      .object({
        index: z.number().int(),
        of: z.number().int(),
        winner: z.number().int().nullable(),
        reason: z.string(),
      })
      .nullable(),
  }),
});

export type ChatExample = z.infer<typeof ChatExampleSchema>;

/** The JSON Schema of one line, as documented in README. */
export function chatExampleJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ChatExampleSchema) as Record<string, unknown>;
}

/** A run was kept: it finished, the person did not undo it, and it was not a losing attempt. */
export function isAccepted(rec: TraceRecord): boolean {
  return rec.outcome === 'done' && !rec.signals?.undone && rec.attempt?.chosen !== false;
}

/** The events of the run a record was distilled from: the run_start stamped with the record's start. */
export function runEvents(events: AgentEvent[], startedAt: number): AgentEvent[] {
  const from = events.findIndex((e) => e.type === 'run_start' && e.ts === startedAt);
  if (from < 0) return [];
  const end = events.findIndex((e, i) => i > from && e.type === 'run_end');
  return events.slice(from, end < 0 ? undefined : end + 1);
}

/** Pure: a record and its run's events -> one redacted example, or null when the conversation is missing. */
export function toChatExample(
  rec: TraceRecord,
  events: AgentEvent[],
  redact: Redactor,
  system: string,
): ChatExample | null {
  if (!rec.session_id || !events.some((e) => e.type === 'run_start')) return null;
  const messages = messagesFromEvents(events, system).map((m): ChatExample['messages'][number] => {
    if (m.role === 'assistant')
      return m.tool_calls?.length
        ? {
            role: 'assistant',
            content: m.content,
            tool_calls: m.tool_calls.map((c) => ({
              id: c.id,
              type: 'function' as const,
              function: { name: c.name, arguments: c.arguments },
            })),
          }
        : { role: 'assistant', content: m.content };
    if (m.role === 'tool') return { role: 'tool', tool_call_id: m.tool_call_id, content: m.content };
    return { role: m.role, content: m.content };
  });
  const gate = rec.gate;
  const example: ChatExample = {
    messages,
    metadata: {
      trace_id: rec.id,
      session_id: rec.session_id,
      task: rec.task,
      model: rec.model,
      started_at: new Date(rec.started_at).toISOString(),
      outcome: rec.outcome,
    },
    reward: {
      tests: gate ? (gate.ok ? 'passed' : 'failed') : 'not_run',
      tests_new_failures: gate ? gate.new_failures : null,
      accepted: isAccepted(rec),
      approved_calls: rec.signals?.approved ?? 0,
      denied_calls: rec.signals?.denied ?? 0,
      undone: rec.signals?.undone ?? false,
      edited_again: rec.signals?.edited_again ?? false,
      committed: rec.signals?.committed ?? false,
      chosen_attempt: rec.attempt ? rec.attempt.chosen : null,
      attempt: rec.attempt
        ? { index: rec.attempt.index, of: rec.attempt.of, winner: rec.attempt.winner, reason: rec.attempt.reason }
        : null,
    },
  };
  return redactDeep(example, redact);
}
