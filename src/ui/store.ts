import { initialState, reduce, type Action, type TranscriptState } from './transcript.js';

/** The transcript state behind the app: the controller dispatches, the app subscribes and renders. */
export interface TranscriptStore {
  getState(): TranscriptState;
  dispatch(action: Action): void;
  subscribe(listener: () => void): () => void;
}

export function createStore(initial: TranscriptState = initialState()): TranscriptStore {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = reduce(state, action);
      if (next === state) return;
      state = next;
      for (const l of listeners) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
