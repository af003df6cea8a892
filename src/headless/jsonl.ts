import type { AgentEvent } from '../agent/events.js';

/** `sedge exec --json`: every AgentEvent as one JSON line, nothing else (the events carry their own version). */
export function createJsonlRenderer(write: (s: string) => void): (e: AgentEvent) => void {
  return (e) => write(`${JSON.stringify(e)}\n`);
}
