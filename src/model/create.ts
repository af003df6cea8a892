import { resolve } from 'node:path';
import { createOpenAIModel } from './openai.js';
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
  onRetry?: (attempt: number, message: string) => void;
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
  const client = createOpenAIModel({
    model: s.model,
    ...(s.apiKey ? { apiKey: s.apiKey } : {}),
    ...(s.baseURL ? { baseURL: s.baseURL } : {}),
  });
  return withRetry(client, {
    ...(s.onRetry ? { onRetry: (n, e) => s.onRetry?.(n, e.message) } : {}),
    ...(s.retries !== undefined ? { retries: s.retries } : {}),
    ...(s.idleTimeoutMs !== undefined ? { idleTimeoutMs: s.idleTimeoutMs } : {}),
  });
}
