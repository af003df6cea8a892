import type { EventInit, Usage } from './events.js';
import { emptyUsage } from './events.js';
import type { ModelClient, ModelRequest, ToolCall } from '../model/types.js';

export interface Turn {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
  usage: Usage;
  finishReason: string;
}

/**
 * One streamed model call: yields assistant_delta events as text arrives and returns the assembled
 * turn. A `reset` chunk (retry after partial output) drops what was gathered.
 */
export async function* streamTurn(model: ModelClient, request: ModelRequest, signal: AbortSignal): AsyncGenerator<EventInit, Turn> {
  const turn: Turn = { text: '', reasoning: '', toolCalls: [], usage: emptyUsage(), finishReason: 'stop' };
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
      case 'usage':
        turn.usage = chunk.usage;
        break;
      case 'reset':
        turn.text = '';
        turn.reasoning = '';
        turn.toolCalls = [];
        yield { type: 'error', message: `model stream interrupted, retrying: ${chunk.reason}`, source: 'model', fatal: false };
        break;
      case 'done':
        turn.finishReason = chunk.finishReason;
        break;
    }
  }
  // Models sometimes reuse or omit ids; the conversation needs them unique.
  const seen = new Set<string>();
  turn.toolCalls = turn.toolCalls.map((c, i) => {
    let id = c.id || `call_${i}`;
    while (seen.has(id)) id = `${id}_${i}`;
    seen.add(id);
    return { ...c, id };
  });
  return turn;
}
