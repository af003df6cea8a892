import { encodeArguments, splitForStreaming, type ScriptedTurn } from './script.js';
import { emptyUsage, ModelError, type ModelChunk, type ModelClient, type ModelRequest } from './types.js';
import { estimateTokens } from './token-estimate.js';

export interface ReplayOptions {
  /** name shown to people, e.g. "replay:fix.jsonl" */
  id: string;
  /** pause between streamed pieces, ms (demo pacing; 0 in tests) */
  delayMs?: number;
}

/**
 * A model that answers from a script, turn by turn, through the same loop and real tools.
 * When the script runs out the run fails with a clear error rather than looping.
 */
export function createReplayModel(turns: ScriptedTurn[], opts: ReplayOptions): ModelClient {
  let next = 0;
  const delay = opts.delayMs ?? 0;
  return {
    id: opts.id,
    async *stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelChunk> {
      const turn = turns[next];
      if (!turn) {
        throw new ModelError(
          `replay script exhausted after ${turns.length} turn(s): the script has no answer for step ${next + 1}`,
          null,
          false,
        );
      }
      next += 1;
      const pause = async () => {
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        if (signal.aborted) throw signal.reason ?? new Error('aborted');
      };
      if (turn.reasoning) {
        for (const piece of splitForStreaming(turn.reasoning, 24)) {
          await pause();
          yield { type: 'reasoning', text: piece };
        }
      }
      if (turn.text) {
        for (const piece of splitForStreaming(turn.text, 12)) {
          await pause();
          yield { type: 'text', text: piece };
        }
      }
      for (const [i, call] of (turn.tool_calls ?? []).entries()) {
        await pause();
        yield {
          type: 'tool_call',
          call: { id: call.id ?? `replay_${next}_${i}`, name: call.name, arguments: encodeArguments(call.arguments) },
        };
      }
      const input = requestTokens(request);
      yield {
        type: 'usage',
        usage: {
          ...emptyUsage(),
          input_tokens: turn.usage?.input_tokens ?? input,
          output_tokens:
            turn.usage?.output_tokens ?? estimateTokens((turn.text ?? '') + JSON.stringify(turn.tool_calls ?? [])),
          cached_tokens: turn.usage?.cached_tokens ?? 0,
        },
      };
      yield { type: 'done', finishReason: turn.tool_calls?.length ? 'tool_calls' : 'stop' };
    },
  };
}

function requestTokens(request: ModelRequest): number {
  let total = estimateTokens(JSON.stringify(request.tools));
  for (const m of request.messages)
    total += estimateTokens(m.content + ('tool_calls' in m && m.tool_calls ? JSON.stringify(m.tool_calls) : ''));
  return total;
}
