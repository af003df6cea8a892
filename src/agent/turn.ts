import type { EventInit, Usage } from './events.js';
import { emptyUsage } from './events.js';
import type { ModelClient, ModelRequest, ProviderItem, ToolCall } from '../model/types.js';

export interface Turn {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
  /** provider items to give back with this turn (encrypted reasoning) */
  items: ProviderItem[];
  usage: Usage;
  finishReason: string;
}

/**
 * One streamed model call: yields assistant_delta events as text arrives and returns the assembled
 * turn. A `reset` chunk (retry after partial output) drops what was gathered.
 */
export async function* streamTurn(
  model: ModelClient,
  request: ModelRequest,
  signal: AbortSignal,
  usedIds: Set<string> = new Set(),
): AsyncGenerator<EventInit, Turn> {
  const turn: Turn = { text: '', reasoning: '', toolCalls: [], items: [], usage: emptyUsage(), finishReason: 'stop' };
  for await (const chunk of model.stream(request, signal)) {
    switch (chunk.type) {
      case 'text':
        turn.text += chunk.text;
        yield { type: 'assistant_delta', text: chunk.text };
        break;
      case 'reasoning':
        turn.reasoning += chunk.text;
        break;
      case 'tool_call':
        turn.toolCalls.push(chunk.call);
        break;
      case 'item':
        turn.items.push(chunk.item);
        break;
      case 'usage':
        turn.usage = chunk.usage;
        break;
      case 'reset':
        turn.text = '';
        turn.reasoning = '';
        turn.toolCalls = [];
        turn.items = [];
        yield {
          type: 'error',
          message: `model stream interrupted, retrying: ${chunk.reason}`,
          source: 'model',
          fatal: false,
        };
        break;
      case 'done':
        turn.finishReason = chunk.finishReason;
        break;
    }
  }
  // Models sometimes reuse or omit ids; the conversation, saved outputs and traces need them unique across
  // the run (`usedIds` holds the ids of earlier turns and gains this turn's).
  turn.toolCalls = turn.toolCalls.map((c, i) => {
    const base = c.id || `call_${i}`;
    let id = base;
    for (let n = 2; usedIds.has(id); n++) id = `${base}_${n}`;
    usedIds.add(id);
    return { ...c, id };
  });
  return turn;
}
