import { initialState, reduce, type Action, type TranscriptState } from './transcript.js';

/** The transcript state behind the app: the controller dispatches, the app subscribes and renders. */
export interface TranscriptStore {
  getState(): TranscriptState;
  dispatch(action: Action): void;
  subscribe(listener: () => void): () => void;
  /** tell subscribers now about a change still waiting for its batch */
  flush(): void;
}

/**
 * `batchMs` > 0 coalesces notifications: the state is always current, but subscribers (the app) hear of
 * changes at most once per interval, so a fast token stream costs a few renders a second, not one each.
 */
export function createStore(
  initial: TranscriptState = initialState(),
  opts: { batchMs?: number } = {},
): TranscriptStore {
  let state = initial;
  const listeners = new Set<() => void>();
  const batchMs = opts.batchMs ?? 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const notify = () => {
    timer = null;
    for (const l of listeners) l();
  };
  return {
    getState: () => state,
    dispatch(action) {
      const next = reduce(state, action);
      if (next === state) return;
      state = next;
      if (batchMs <= 0) notify();
      else timer ??= setTimeout(notify, batchMs);
    },
    flush() {
      if (timer === null) return;
      clearTimeout(timer);
      notify();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
