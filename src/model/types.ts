export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
}

export function emptyUsage(): Usage {
  return { input_tokens: 0, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0 };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    cached_tokens: a.cached_tokens + b.cached_tokens,
    reasoning_tokens: a.reasoning_tokens + b.reasoning_tokens,
  };
}

export interface ToolCall {
  id: string;
  name: string;
  /** raw JSON text exactly as the model produced it (may be malformed) */
  arguments: string;
}

/**
 * An opaque item a provider asked to get back unchanged on the next request of the task (a Responses API
 * reasoning item with its `encrypted_content`). Only the client that produced it reads it.
 */
export type ProviderItem = Record<string, unknown>;

export type Message =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; tool_calls?: ToolCall[]; reasoning?: string; items?: ProviderItem[] }
  | { role: 'tool'; tool_call_id: string; name: string; content: string };

export interface ToolSchema {
  name: string;
  description: string;
  /** JSON Schema of the arguments object */
  parameters: Record<string, unknown>;
}

export interface ModelRequest {
  messages: Message[];
  tools: ToolSchema[];
  maxOutputTokens?: number;
  /** a stable key for the provider's prompt cache (OpenAI `prompt_cache_key`), one per repository */
  cacheKey?: string;
}

/**
 * What a model client streams. Text and reasoning arrive as deltas; tool calls arrive whole,
 * once their arguments are complete. `reset` tells the consumer to drop everything streamed so far
 * in this call (a retry after a partial response).
 */
export type ModelChunk =
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'item'; item: ProviderItem }
  | { type: 'tool_call'; call: ToolCall }
  | { type: 'usage'; usage: Usage }
  | { type: 'reset'; reason: string }
  | { type: 'done'; finishReason: string };

export interface ModelClient {
  /** the model name shown to people and recorded in traces */
  readonly id: string;
  stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelChunk>;
}

/** A failure talking to the model provider: sedge exits 3 on these. */
export class ModelError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly retryable: boolean,
    /** how long the provider asked us to wait before trying again (Retry-After), ms */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}
