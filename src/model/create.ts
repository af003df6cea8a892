import { resolve } from 'node:path';
import { chooseApi, isOpenAIEndpoint, modelInfo, type ApiKind, type ModelEntry, type ModelInfo } from './models.js';
import type { BackoffGate } from './backoff-gate.js';
import { createOpenAIModel } from './openai.js';
import { createResponsesModel } from './responses.js';
import { createReplayModel } from './replay.js';
import { withRetry } from './retry.js';
import { readScript } from './script.js';
import type { ModelClient } from './types.js';

export interface ModelSettings {
  model: string;
  baseURL?: string;
  apiKey?: string;
  cwd: string;
  /** pause between replayed pieces (demo pacing) */
  replayDelayMs?: number;
  /** --api / config `api`: which API to speak; unset = chosen per model family and endpoint */
  api?: ApiKind;
  /** the user's models table (overrides the built-in entries) */
  models?: Record<string, ModelEntry>;
  /** reasoning effort for this model (overrides the table's) */
  reasoningEffort?: ModelEntry['reasoning_effort'];
  /** sampling temperature (best-of-N attempts); the provider's default when unset (Chat Completions and Responses) */
  temperature?: number;
  onRetry?: (attempt: number, message: string) => void;
  /** a 429 backoff shared with other clients (batch workers) */
  gate?: BackoffGate;
  /** retries after the first attempt; default 3 */
  retries?: number;
  /** a stream with no data for this long is retried, ms; default 120 s */
  idleTimeoutMs?: number;
}

/** A missing key or endpoint, or an unreadable replay file: a usage/config error (exit 2). */
export class ModelConfigError extends Error {
  override name = 'ModelConfigError';
}

export function isReplayModel(model: string): boolean {
  return model.startsWith('replay:');
}

/** The models-table entry for a model name (context window, prices, reasoning passback). */
export function describeModel(model: string, models?: Record<string, ModelEntry>): ModelInfo {
  return modelInfo(model, models);
}

/** `replay:FILE` -> the replay model; anything else -> an OpenAI-compatible endpoint with retries. */
export function createModel(s: ModelSettings): ModelClient {
  if (isReplayModel(s.model)) {
    const file = s.model.slice('replay:'.length);
    if (!file)
      throw new ModelConfigError('--model replay:FILE needs a file, e.g. --model replay:examples/fix-add.jsonl');
    try {
      return createReplayModel(readScript(resolve(s.cwd, file)), { id: s.model, delayMs: s.replayDelayMs ?? 0 });
    } catch (err) {
      throw new ModelConfigError((err as Error).message);
    }
  }
  if (!s.apiKey && !s.baseURL) {
    throw new ModelConfigError(
      'no model endpoint: set OPENAI_API_KEY (and OPENAI_BASE_URL for another OpenAI-compatible server), or try the offline demo with --model replay:FILE',
    );
  }
  const info = modelInfo(s.model, s.models);
  const api = chooseApi(info, s.baseURL, s.api);
  const endpoint = { ...(s.apiKey ? { apiKey: s.apiKey } : {}), ...(s.baseURL ? { baseURL: s.baseURL } : {}) };
  const effort = s.reasoningEffort ?? info.reasoning_effort;
  const summary = info.reasoning_summary;
  const client =
    api === 'responses'
      ? createResponsesModel({
          model: s.model,
          ...endpoint,
          ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
          ...(effort || summary
            ? { reasoning: { ...(effort ? { effort } : {}), ...(summary ? { summary } : {}) } }
            : {}),
        })
      : createOpenAIModel({
          model: s.model,
          ...endpoint,
          reasoning: info.reasoning,
          ...(effort ? { reasoningEffort: effort } : {}),
          ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
          sendCacheKey: isOpenAIEndpoint(s.baseURL),
        });
  return withRetry(client, {
    ...(s.onRetry ? { onRetry: (n, e) => s.onRetry?.(n, e.message) } : {}),
    ...(s.gate ? { gate: s.gate } : {}),
    ...(s.retries !== undefined ? { retries: s.retries } : {}),
    ...(s.idleTimeoutMs !== undefined ? { idleTimeoutMs: s.idleTimeoutMs } : {}),
  });
}
