import OpenAI from 'openai';
import type { ReasoningEffort, ReasoningPassback } from './models.js';
import { createRedactor } from '../secrets/redact.js';
import { classifyHttpError, temperatureRefused } from './error-class.js';
import {
  emptyUsage,
  ModelError,
  type Message,
  type ModelChunk,
  type ModelClient,
  type ModelRequest,
  type Usage,
} from './types.js';

export interface OpenAIClientOptions {
  model: string;
  apiKey?: string;
  baseURL?: string;
  /** per-request timeout for the HTTP call (not the whole stream), ms */
  timeoutMs?: number;
  temperature?: number;
  /** extra headers (never logged) */
  headers?: Record<string, string>;
  /** reasoning passback on assistant tool-call messages (from the models table); default `on` */
  reasoning?: ReasoningPassback;
  /** `reasoning_effort` for reasoning models served over Chat Completions (sent only when set) */
  reasoningEffort?: ReasoningEffort;
  /** send `prompt_cache_key` with each request that has a cache key (OpenAI; others may reject it) */
  sendCacheKey?: boolean;
}

type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

export type ReasoningField = 'reasoning_content' | 'reasoning';

/**
 * Translate sedge messages to Chat Completions messages. Pure. An assistant message with tool calls carries
 * its reasoning back under the field the provider streamed it in: thinking models (Kimi K2, DeepSeek V3.2+,
 * GLM) refuse a tool-call message without it. Final answers do not (older reasoners refuse it there).
 * `passback` comes from the models table: `off` never sends it, `drop-old` only after the last user message.
 */
export function toChatMessages(
  messages: Message[],
  reasoningField: ReasoningField = 'reasoning_content',
  passback: ReasoningPassback = 'on',
): ChatMessage[] {
  const lastUser = messages.findLastIndex((m) => m.role === 'user');
  return messages.map((m, i): ChatMessage => {
    const sendReasoning = passback === 'on' || (passback === 'drop-old' && i > lastUser);
    switch (m.role) {
      case 'system':
        return { role: 'system', content: m.content };
      case 'user':
        return { role: 'user', content: m.content };
      case 'tool':
        return { role: 'tool', tool_call_id: m.tool_call_id, content: m.content };
      case 'assistant':
        return {
          role: 'assistant',
          // null is allowed only next to tool calls; an empty answer stays an empty string
          content: m.content || (m.tool_calls?.length ? null : ''),
          ...(m.tool_calls?.length
            ? {
                tool_calls: m.tool_calls.map((c) => ({
                  id: c.id,
                  type: 'function' as const,
                  function: { name: c.name, arguments: c.arguments },
                })),
              }
            : {}),
          ...(sendReasoning && m.tool_calls?.length && m.reasoning ? { [reasoningField]: m.reasoning } : {}),
        };
    }
  });
}

interface PendingCall {
  index: number;
  id: string;
  name: string;
  arguments: string;
}

/**
 * OpenAI-compatible Chat Completions over the official SDK, streaming. Tool-call arguments arrive in
 * fragments keyed by index; they are assembled here and handed on whole. SDK retries are off: retry.ts
 * owns retrying so it can also roll back partial output.
 */
export function createOpenAIModel(opts: OpenAIClientOptions): ModelClient {
  let client: OpenAI | undefined;
  const getClient = () =>
    (client ??= new OpenAI({
      apiKey: opts.apiKey ?? 'sk-no-key',
      ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
      maxRetries: 0,
      timeout: opts.timeoutMs ?? 600_000,
      ...(opts.headers ? { defaultHeaders: opts.headers } : {}),
    }));

  // Which field this provider streams reasoning in, so it goes back the same way.
  let reasoningField: ReasoningField = 'reasoning_content';
  // Usage comes in a last chunk when asked for; a server that refuses the option is asked without it.
  let streamUsage = true;
  return {
    id: opts.model,
    async *stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelChunk> {
      const open = () =>
        getClient().chat.completions.create(
          {
            model: opts.model,
            messages: toChatMessages(request.messages, reasoningField, opts.reasoning),
            ...(request.tools.length
              ? {
                  tools: request.tools.map((t) => ({
                    type: 'function' as const,
                    function: { name: t.name, description: t.description, parameters: t.parameters },
                  })),
                }
              : {}),
            stream: true,
            ...(streamUsage ? { stream_options: { include_usage: true } } : {}),
            ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
            ...(request.maxOutputTokens ? { max_completion_tokens: request.maxOutputTokens } : {}),
            ...(opts.reasoningEffort ? { reasoning_effort: opts.reasoningEffort } : {}),
            ...(opts.sendCacheKey && request.cacheKey ? { prompt_cache_key: request.cacheKey } : {}),
          },
          { signal },
        );
      let stream;
      try {
        try {
          stream = await open();
        } catch (err) {
          if (!streamUsage || !refusesStreamOptions(err)) throw err;
          streamUsage = false;
          stream = await open();
        }
      } catch (err) {
        throw temperatureRefused(
          toModelError(err, signal, opts.apiKey, getClient().baseURL),
          opts.model,
          opts.temperature,
        );
      }

      // Fragments are keyed by index. Some providers (Ollama) give every parallel call index 0, so a new id
      // at an index already in use starts a new call; the same id resent with each fragment (vLLM) does not.
      const current = new Map<number, PendingCall>();
      const calls: PendingCall[] = [];
      let finishReason: string | null = null;
      let usage: Usage | null = null;
      try {
        for await (const chunk of stream) {
          if (chunk.usage) usage = readUsage(chunk.usage);
          for (const choice of chunk.choices ?? []) {
            const delta = choice.delta as OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta & {
              reasoning_content?: string | null;
              reasoning?: string | null;
            };
            const reasoning = delta.reasoning_content ?? delta.reasoning;
            if (typeof delta.reasoning_content === 'string') reasoningField = 'reasoning_content';
            else if (typeof delta.reasoning === 'string') reasoningField = 'reasoning';
            if (typeof reasoning === 'string' && reasoning) yield { type: 'reasoning', text: reasoning };
            if (delta.content) yield { type: 'text', text: delta.content };
            for (const tc of delta.tool_calls ?? []) {
              const index = tc.index ?? calls.length;
              let pending = current.get(index);
              if (!pending || (tc.id && pending.id && tc.id !== pending.id)) {
                pending = { index, id: '', name: '', arguments: '' };
                current.set(index, pending);
                calls.push(pending);
              }
              if (tc.id) pending.id = tc.id;
              // The name normally comes once; some providers (MiniMax via NIM, Fireworks) resend it
              // whole with every fragment, a few stream it in pieces.
              if (tc.function?.name && tc.function.name !== pending.name) pending.name += tc.function.name;
              if (tc.function?.arguments) pending.arguments += tc.function.arguments;
            }
            if (choice.finish_reason) finishReason = choice.finish_reason;
          }
        }
      } catch (err) {
        throw temperatureRefused(
          toModelError(err, signal, opts.apiKey, getClient().baseURL),
          opts.model,
          opts.temperature,
        );
      }
      // Every provider ends a turn with a finish_reason. A stream that closes without one was cut (a proxy
      // timeout, a crashed server): its text and tool calls are partial, so retry instead of acting on them.
      if (finishReason === null)
        throw new ModelError(
          'model stream ended before the model finished (no finish_reason): the connection was cut',
          null,
          true,
        );
      // By index, then in order of appearance (a stable sort).
      for (const call of [...calls].sort((a, b) => a.index - b.index)) {
        yield {
          type: 'tool_call',
          call: { id: call.id || `call_${call.index}`, name: call.name, arguments: call.arguments },
        };
      }
      if (usage) yield { type: 'usage', usage };
      yield { type: 'done', finishReason };
    },
  };
}

function readUsage(u: OpenAI.Completions.CompletionUsage): Usage {
  const details = u.completion_tokens_details as { reasoning_tokens?: number } | undefined;
  return {
    ...emptyUsage(),
    input_tokens: u.prompt_tokens ?? 0,
    output_tokens: u.completion_tokens ?? 0,
    // DeepSeek reports prompt_cache_hit_tokens instead of prompt_tokens_details.cached_tokens
    cached_tokens:
      u.prompt_tokens_details?.cached_tokens ??
      (u as { prompt_cache_hit_tokens?: number }).prompt_cache_hit_tokens ??
      0,
    reasoning_tokens: details?.reasoning_tokens ?? 0,
  };
}

/**
 * Map SDK/network errors to ModelError with a retryable flag. Aborts pass through unchanged. Providers and
 * proxies sometimes echo the key in an error body; `secret` is cut out of every message made here.
 */
export function toModelError(err: unknown, signal: AbortSignal, secret?: string, endpoint?: string): unknown {
  const mapped = mapModelError(err, signal, endpoint);
  if (!(mapped instanceof ModelError)) return mapped;
  // the key, and credentials in a URL (http://user:pass@host)
  let message = mapped.message.replace(/\/\/[^/@\s]*@/g, '//');
  if (secret) message = createRedactor({ env: {}, extra: [secret] })(message);
  return message === mapped.message
    ? mapped
    : new ModelError(message, mapped.status, mapped.retryable, mapped.retryAfterMs);
}

function mapModelError(err: unknown, signal: AbortSignal, endpoint?: string): unknown {
  if (signal.aborted) return err;
  if (err instanceof ModelError) return err;
  // "Connection error." alone does not say where or why (a local server not running, a wrong port, DNS).
  if (err instanceof OpenAI.APIConnectionError) {
    return new ModelError(
      `cannot reach the model endpoint${endpoint ? ` ${endpoint}` : ''}: ${rootCause(err)}`,
      null,
      true,
    );
  }
  if (err instanceof OpenAI.APIError) {
    const status = typeof err.status === 'number' ? err.status : null;
    const detail = err.message.replace(/\s+/g, ' ').slice(0, 300);
    const { retryable, hint } = classifyHttpError({ status, code: err.code, type: err.type, message: err.message });
    return new ModelError(
      `model request failed${status ? ` with HTTP ${status}` : ''}: ${detail}${hint}`,
      status,
      retryable,
      retryAfter(err.headers),
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ModelError(`model stream failed: ${message}`, null, true);
}

function rootCause(err: Error): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  const last = e as Error & { code?: string };
  return last === err
    ? err.message
    : `${last.code && !last.message.includes(last.code) ? `${last.code} ` : ''}${last.message}`;
}

function refusesStreamOptions(err: unknown): boolean {
  return (
    err instanceof OpenAI.APIError && (err.status === 400 || err.status === 422) && /stream_options/i.test(err.message)
  );
}

const MAX_RETRY_AFTER_MS = 60_000;

/** Retry-After (seconds or an HTTP date) or retry-after-ms, capped at a minute; undefined when absent. */
function retryAfter(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (ms > 0) return Math.min(ms, MAX_RETRY_AFTER_MS);
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  const wait = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return wait > 0 ? Math.min(wait, MAX_RETRY_AFTER_MS) : undefined;
}
