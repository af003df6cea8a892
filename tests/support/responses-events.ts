import { encodeArguments, type ScriptedTurn } from '../../src/model/script.js';

export interface ResponsesTurn extends ScriptedTurn {
  argChunk?: number;
  /** the reasoning item's encrypted_content (default: derived from the reasoning text) */
  encrypted?: string;
  /** end with response.incomplete (max_output_tokens) */
  incomplete?: boolean;
}

/** What the scripted server puts in a reasoning item's encrypted_content when a step names none. */
export function defaultEncrypted(reasoning: string): string {
  return `gAAAA${Buffer.from(reasoning).toString('base64')}`;
}

/**
 * The Responses API stream events for one scripted turn, in the order OpenAI sends them: a reasoning item
 * (summary deltas, then the item with its encrypted content), the message text, the function calls with
 * argument deltas, and response.completed with usage.
 */
export function turnToEvents(turn: ResponsesTurn, id: string, model: string): object[] {
  let seq = 0;
  const out: object[] = [];
  const emit = (type: string, body: object) => out.push({ type, sequence_number: seq++, ...body });
  const response = (status: string, output: object[], extra: object = {}) => ({
    id,
    object: 'response',
    created_at: 1_700_000_000,
    model,
    status,
    output,
    ...extra,
  });
  const output: object[] = [];
  emit('response.created', { response: response('in_progress', []) });
  if (turn.reasoning !== undefined) {
    const index = output.length;
    const rs = { id: `rs_${id}`, type: 'reasoning', summary: [] as object[] };
    emit('response.output_item.added', { output_index: index, item: rs });
    const part = { type: 'summary_text', text: '' };
    emit('response.reasoning_summary_part.added', { item_id: rs.id, output_index: index, summary_index: 0, part });
    for (const delta of pieces(turn.reasoning, 16))
      emit('response.reasoning_summary_text.delta', { item_id: rs.id, output_index: index, summary_index: 0, delta });
    const done = {
      id: rs.id,
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: turn.reasoning }],
      encrypted_content: turn.encrypted ?? defaultEncrypted(turn.reasoning),
    };
    emit('response.output_item.done', { output_index: index, item: done });
    output.push(done);
  }
  if (turn.text) {
    const index = output.length;
    const msgId = `msg_${id}`;
    emit('response.output_item.added', {
      output_index: index,
      item: { id: msgId, type: 'message', role: 'assistant', status: 'in_progress', content: [] },
    });
    for (const delta of pieces(turn.text, 8))
      emit('response.output_text.delta', { item_id: msgId, output_index: index, content_index: 0, delta });
    const item = {
      id: msgId,
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: turn.text, annotations: [] }],
    };
    emit('response.output_item.done', { output_index: index, item });
    output.push(item);
  }
  (turn.tool_calls ?? []).forEach((call, i) => {
    const index = output.length;
    const args = encodeArguments(call.arguments);
    const base = { id: `fc_${id}_${i}`, type: 'function_call', call_id: call.id ?? `call_${id}_${i}`, name: call.name };
    emit('response.output_item.added', {
      output_index: index,
      item: { ...base, arguments: '', status: 'in_progress' },
    });
    for (const delta of pieces(args, turn.argChunk ?? 7))
      emit('response.function_call_arguments.delta', { item_id: base.id, output_index: index, delta });
    emit('response.function_call_arguments.done', { item_id: base.id, output_index: index, arguments: args });
    const item = { ...base, arguments: args, status: 'completed' };
    emit('response.output_item.done', { output_index: index, item });
    output.push(item);
  });
  const u = turn.usage ?? { input_tokens: 100, output_tokens: 20, cached_tokens: 0 };
  const usage = {
    input_tokens: u.input_tokens,
    input_tokens_details: { cached_tokens: u.cached_tokens },
    output_tokens: u.output_tokens,
    output_tokens_details: { reasoning_tokens: turn.reasoning ? Math.ceil(turn.reasoning.length / 4) : 0 },
    total_tokens: u.input_tokens + u.output_tokens,
  };
  if (turn.incomplete)
    emit('response.incomplete', {
      response: response('incomplete', output, { usage, incomplete_details: { reason: 'max_output_tokens' } }),
    });
  else emit('response.completed', { response: response('completed', output, { usage }) });
  return out;
}

function pieces(text: string, size: number): string[] {
  if (text === '') return [''];
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}
