import type { BackoffGate } from './backoff-gate.js';
import { ModelError, type ModelChunk, type ModelClient, type ModelRequest } from './types.js';

export interface RetryOptions {
  /** retries after the first attempt */
  retries: number;
  /** no chunk for this long = a stalled stream: abort and retry, ms */
  idleTimeoutMs: number;
  /** the same before the first chunk, which a reasoning model may keep back for minutes while it thinks, ms */
  firstChunkTimeoutMs: number;
  baseDelayMs: number;
  /** for tests: how to wait between attempts */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
  onRetry?: (attempt: number, error: ModelError) => void;
  /** a backoff shared with other clients (batch workers): a 429 here pauses them all */
  gate?: BackoffGate;
}

const DEFAULTS: RetryOptions = { retries: 3, idleTimeoutMs: 120_000, firstChunkTimeoutMs: 300_000, baseDelayMs: 1_000 };

/**
 * Wrap a client with retries (exponential backoff with jitter), an idle-stream watchdog and rollback:
 * when an attempt fails after yielding something, a `reset` chunk tells the consumer to discard it.
 */
export function withRetry(inner: ModelClient, options: Partial<RetryOptions> = {}): ModelClient {
  const opts = { ...DEFAULTS, ...options };
  const wait = opts.wait ?? sleep;
  return {
    id: inner.id,
    async *stream(request: ModelRequest, signal: AbortSignal): AsyncIterable<ModelChunk> {
      for (let attempt = 0; ; attempt++) {
        const attemptCtl = new AbortController();
        const onAbort = () => attemptCtl.abort(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        let yielded = false;
        let stalled = false;
        let timer: NodeJS.Timeout | undefined;
        let limitMs = Math.max(opts.firstChunkTimeoutMs, opts.idleTimeoutMs);
        const arm = () => {
          clearTimeout(timer);
          timer = setTimeout(() => {
            stalled = true;
            attemptCtl.abort(new Error('stream stalled'));
          }, limitMs);
          timer.unref?.();
        };
        try {
          if (opts.gate) await opts.gate.wait(signal);
          arm();
          for await (const chunk of inner.stream(request, attemptCtl.signal)) {
            limitMs = opts.idleTimeoutMs;
            arm();
            yielded = true;
            yield chunk;
          }
          return;
        } catch (err) {
          if (signal.aborted) throw err;
          const error = stalled
            ? new ModelError(`model stream stalled: no data for ${Math.round(limitMs / 1000)} s`, null, true)
            : err instanceof ModelError
              ? err
              : new ModelError(err instanceof Error ? err.message : String(err), null, false);
          if (!error.retryable || attempt >= opts.retries) throw error;
          opts.onRetry?.(attempt + 1, error);
          if (yielded) yield { type: 'reset', reason: error.message };
          const backoff = Math.max(
            opts.baseDelayMs * 2 ** attempt * (0.75 + Math.random() * 0.5),
            error.retryAfterMs ?? 0,
          );
          if (opts.gate && error.status === 429) {
            opts.gate.pause(backoff);
            continue; // the gate's wait at the top of the next attempt is the pause
          }
          await wait(backoff, signal);
        } finally {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
        }
      }
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
