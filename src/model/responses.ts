import OpenAI from 'openai';
import type { ReasoningEffort, ReasoningSummary } from './models.js';
import { temperatureRefused } from './error-class.js';
import { toModelError } from './openai.js';
import {
  emptyUsage,
  ModelError,
  type Message,
  type ModelChunk,
  type ModelClient,
  type ModelRequest,
  type ProviderItem,
  type Usage,
} from './types.js';

export interface ResponsesClientOptions {
  model: string;
  apiKey?: string;
  baseURL?: string;
  /** per-request timeout for the HTTP call, ms */
  timeoutMs?: number;
  headers?: Record<string, string>;
  /**
   * Reasoning settings. When set, `reasoning` is sent and encrypted reasoning items are asked for
   * (`include: ["reasoning.encrypted_content"]`) so they can go back with the next request of the task.
   */
  reasoning?: { effort?: ReasoningEffort; summary?: ReasoningSummary };
  /**
   * Sampling temperature (one attempt of `--attempts` with `--temperatures`); the model's default when unset.
   * Reasoning models refuse it: the request then fails with a message that says so (temperatureRefused).
   */
  temperature?: number;
}

type InputItem = OpenAI.Responses.ResponseInputItem;
type Params = OpenAI.Responses.ResponseCreateParamsStreaming;

/**
 * Translate sedge messages to a Responses API request: the system prompt becomes `instructions`; an assistant
 * message gives back its provider items (reasoning, encrypted, unchanged) before its text and function calls,
 * so the model's reasoning survives tool calls with `store: false`. Pure.
 */
export function toResponsesInput(messages: Message[]): { instructions?: string; input: InputItem[] } {
  const instructions: string[] = [];
  const input: InputItem[] = [];
  for (const m of messages) {
    switch (m.role) {
      case 'system':
        instructions.push(m.content);
        break;
      case 'user':
        input.push({ role: 'user', content: m.content });
        break;
      case 'tool':
        input.push({ type: 'function_call_output', call_id: m.tool_call_id, output: m.content });
        break;
      case 'assistant':
        for (const item of m.items ?? []) input.push(item as unknown as InputItem);
        if (m.content) input.push({ role: 'assistant', content: m.content });
        for (const c of m.tool_calls ?? [])
          input.push({ type: 'function_call', call_id: c.id, name: c.name, arguments: c.arguments });
        break;
    }
  }
  return { ...(instructions.length ? { instructions: instructions.join('\n\n') } : {}), input };
}

/** The request body for one streamed call. Pure, so tests can compare it byte for byte. */
export function responsesParams(opts: ResponsesClientOptions, request: ModelRequest): Params {
  const { instructions, input } = toResponsesInput(request.messages);
  return {
    model: opts.model,
    ...(instructions !== undefined ? { instructions } : {}),
    input,
    ...(request.tools.length
      ? {
          tools: request.tools.map((t) => ({
            type: 'function' as const,
            name: t.name,
            description: t.description,
            parameters: t.parameters,
            strict: false,
          })),
        }
      : {}),
    stream: true,
    store: false,
    ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
    ...(opts.reasoning
      ? {
          reasoning: {
            ...(opts.reasoning.effort ? { effort: opts.reasoning.effort } : {}),
            ...(opts.reasoning.summary ? { summary: opts.reasoning.summary } : {}),
          },
          include: ['reasoning.encrypted_content' as const],
        }
      : {}),
    ...(request.maxOutputTokens ? { max_output_tokens: request.maxOutputTokens } : {}),
    ...(request.cacheKey ? { prompt_cache_key: request.cacheKey } : {}),
  };
}

/**
 * OpenAI Responses API over the official SDK, streaming, stateless (`store: false`). Text and reasoning
 * summaries stream as deltas; a function call is handed on when its item is done; a reasoning item with
 * encrypted content is handed on as a provider item for the loop to keep with the assistant message.
 */
export function createResponsesModel(opts: ResponsesClientOptions): ModelClient {
  let client: OpenAI | undefined;
  const getClient = () =>
    (client ??= new OpenAI({
      apiKey: opts.apiKey ?? 'sk-no-key',
      ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
      maxRetries: 0,
      timeout: opts.timeoutMs ?? 600_000,
      ...(opts.headers ? { defaultHeaders: opts.headers } : {}),
    }));
  return {
    id: opts.model,
    async *stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelChunk> {
      const fail = (err: unknown) =>
        temperatureRefused(toModelError(err, signal, opts.apiKey, getClient().baseURL), opts.model, opts.temperature);
      let stream: AsyncIterable<OpenAI.Responses.ResponseStreamEvent>;
      try {
        stream = await getClient().responses.create(responsesParams(opts, request), { signal });
      } catch (err) {
        throw fail(err);
      }
      let finishReason: string | null = null;
      let usage: Usage | null = null;
      let calls = 0;
      let summaries = 0;
      try {
        for await (const event of stream) {
          switch (event.type) {
            case 'response.output_text.delta':
              if (event.delta) yield { type: 'text', text: event.delta };
              break;
            case 'response.reasoning_summary_text.delta':
              if (event.delta) yield { type: 'reasoning', text: event.delta };
              break;
            case 'response.reasoning_summary_part.added':
              // summaries come in parts; keep them apart as paragraphs
              if (summaries++ > 0) yield { type: 'reasoning', text: '\n\n' };
              break;
            case 'response.output_item.done': {
              const item = event.item;
              if (item.type === 'function_call') {
                calls++;
                yield { type: 'tool_call', call: { id: item.call_id, name: item.name, arguments: item.arguments } };
              } else if (item.type === 'reasoning' && item.encrypted_content) {
                yield { type: 'item', item: item as unknown as ProviderItem };
              }
              break;
            }
            case 'response.completed':
            case 'response.incomplete':
              if (event.response.usage) usage = readUsage(event.response.usage);
              finishReason =
                event.type === 'response.incomplete'
                  ? event.response.incomplete_details?.reason === 'max_output_tokens'
                    ? 'length'
                    : (event.response.incomplete_details?.reason ?? 'stop')
                  : calls
                    ? 'tool_calls'
                    : 'stop';
              break;
            case 'response.failed': {
              const e = event.response.error;
              throw new ModelError(
                `model response failed: ${e?.code ?? 'error'}: ${e?.message ?? 'no details'}`,
                null,
                e?.code === 'server_error' || e?.code === 'rate_limit_exceeded',
              );
            }
            case 'error':
              throw new ModelError(`model stream error: ${event.code ?? ''} ${event.message}`.trim(), null, true);
          }
        }
      } catch (err) {
        throw fail(err);
      }
      if (finishReason === null)
        throw new ModelError('model stream ended before the response completed: the connection was cut', null, true);
      if (usage) yield { type: 'usage', usage };
      yield { type: 'done', finishReason };
    },
  };
}

function readUsage(u: OpenAI.Responses.ResponseUsage): Usage {
  return {
    ...emptyUsage(),
    input_tokens: u.input_tokens ?? 0,
    output_tokens: u.output_tokens ?? 0,
    cached_tokens: u.input_tokens_details?.cached_tokens ?? 0,
    reasoning_tokens: u.output_tokens_details?.reasoning_tokens ?? 0,
  };
}
