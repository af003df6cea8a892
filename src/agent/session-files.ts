/**
 * Files of interactive mode: the prompt history (per repository, 0600 under $XDG_STATE_HOME/sedge/history)
 * and saved sessions (finding the latest one for --continue, rebuilding the conversation for --resume).
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentEvent } from './events.js';
import { readSessionLog } from './session-log.js';
import { readPrompt } from '../config/prompts.js';
import { writeFileAtomicSync } from '../fs/atomic-write.js';
import type { Message } from '../model/types.js';

const HISTORY_MAX = 500;

function historyPath(state: string, workspace: string): string {
  const key = createHash('sha256').update(workspace).digest('hex').slice(0, 16);
  return join(state, 'history', `${key}.json`);
}

export function loadInputHistory(state: string, workspace: string): string[] {
  try {
    const data = JSON.parse(readFileSync(historyPath(state, workspace), 'utf8')) as unknown;
    return Array.isArray(data) ? data.filter((x): x is string => typeof x === 'string').slice(-HISTORY_MAX) : [];
  } catch {
    return [];
  }
}

/** Write the whole history atomically (temp file + rename), directory 0700, file 0600. */
export function saveInputHistory(state: string, workspace: string, history: string[]): void {
  const path = historyPath(state, workspace);
  mkdirSync(join(state, 'history'), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(path, JSON.stringify(history.slice(-HISTORY_MAX)), { mode: 0o600 });
}

export interface SessionSummary {
  id: string;
  path: string;
  cwd: string;
  task: string;
}

function firstLine(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16 * 1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8').split('\n')[0] ?? '';
  } finally {
    closeSync(fd);
  }
}

/** Saved sessions, newest first (ids sort by time). */
export function listSessions(state: string, limit = 50): SessionSummary[] {
  const dir = join(state, 'sessions');
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.jsonl'));
  } catch {
    return [];
  }
  names.sort().reverse();
  const out: SessionSummary[] = [];
  for (const name of names) {
    if (out.length >= limit) break;
    const path = join(dir, name);
    try {
      const e = JSON.parse(firstLine(path)) as Partial<Extract<AgentEvent, { type: 'run_start' }>>;
      out.push({ id: name.slice(0, -'.jsonl'.length), path, cwd: e.cwd ?? '', task: e.task ?? '' });
    } catch {
      /* empty or torn first line */
    }
  }
  return out;
}

export function findSession(state: string, idOrPrefix: string): SessionSummary | null {
  const all = listSessions(state, 10_000);
  return all.find((s) => s.id === idOrPrefix) ?? all.find((s) => s.id.startsWith(idOrPrefix)) ?? null;
}

export function loadSessionEvents(path: string): AgentEvent[] {
  return readSessionLog(path).events;
}

/** The conversation a saved session held, rebuilt from its events (for the next task after a resume). */
/** The conversation a saved session carried, to continue it; `system` defaults to prompts/system.md. */
export function messagesFromEvents(events: AgentEvent[], system = readPrompt('system.md')): Message[] {
  const messages: Message[] = [{ role: 'system', content: system }];
  const answered = new Set<string>();
  for (const e of events) {
    if (e.type === 'run_start') messages.push({ role: 'user', content: e.task });
    else if (e.type === 'assistant_message') {
      messages.push(
        e.tool_calls.length
          ? { role: 'assistant', content: e.text, tool_calls: e.tool_calls }
          : { role: 'assistant', content: e.text },
      );
    } else if (e.type === 'tool_end' && !answered.has(e.call_id)) {
      answered.add(e.call_id);
      messages.push({ role: 'tool', tool_call_id: e.call_id, name: e.name, content: e.output });
    }
  }
  // A call left without a result (a crash mid-turn) would make the next request invalid: answer it.
  const out: Message[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as Message;
    out.push(m);
    if (m.role === 'assistant' && m.tool_calls) {
      const following = new Set<string>();
      for (let j = i + 1; j < messages.length && messages[j]?.role === 'tool'; j++)
        following.add((messages[j] as { tool_call_id: string }).tool_call_id);
      const missing = m.tool_calls.filter((c) => !following.has(c.id));
      let j = i + 1;
      while (j < messages.length && messages[j]?.role === 'tool') out.push(messages[j++] as Message);
      for (const c of missing)
        out.push({
          role: 'tool',
          tool_call_id: c.id,
          name: c.name,
          content: 'This call did not finish (the session was interrupted).',
        });
      i = j - 1;
    }
  }
  return out;
}
