/**
 * A backoff shared by several model clients (the workers of a batch): when one of them is told to slow down
 * (HTTP 429), every client waits before its next request, instead of each one learning it on its own.
 */
export interface BackoffGate {
  /** resolves once no shared pause is in force (at once when none is) */
  wait(signal: AbortSignal): Promise<void>;
  /** a provider said "too many requests": hold every request for `ms` from now (pauses only grow) */
  pause(ms: number): void;
  /** how many pauses were asked for (for progress lines and tests) */
  readonly pauses: number;
}

export function createBackoffGate(now: () => number = Date.now): BackoffGate {
  let until = 0;
  let pauses = 0;
  return {
    get pauses() {
      return pauses;
    },
    pause(ms) {
      pauses++;
      until = Math.max(until, now() + Math.max(0, ms));
    },
    async wait(signal) {
      while (now() < until) {
        if (signal.aborted) throw signal.reason;
        await delay(until - now(), signal);
      }
    },
  };
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
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
