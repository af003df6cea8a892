/**
 * The transcript as a pure reducer: (state, action) -> state. Actions are the AgentEvents of the loop plus
 * a few UI actions (what the user typed, notices from slash commands). Finished items are append-only
 * (`done`, rendered once through Ink's <Static>); what is still moving (streaming text, running tools) is
 * `live`, rendered as a bounded tail so the live frame always stays shorter than the terminal.
 */
import type { AgentEvent, RecallItem, RunStatus, Usage, VerifyOutcome } from '../agent/events.js';
import type { ApprovalRequest } from '../agent/types.js';
import { splitCommitted } from './stream-split.js';
import { emptyUsage, sumUsage, type Pricing } from './usage.js';

export { splitCommitted } from './stream-split.js';
export { costOf, emptyUsage, sumUsage, type Pricing } from './usage.js';

export interface ToolResultView {
  isError: boolean;
  /** what a person should see (display, else the model's output) */
  text: string;
  exitCode?: number;
  timedOut?: boolean;
  diff?: string;
  filesChanged?: string[];
  durationMs: number;
  decision?: 'approved' | 'denied';
  reason?: string;
}

export type Item =
  | { kind: 'user'; id: number; text: string }
  /** `cont`: continues the previous chunk of the same block (cut mid-block to keep the live frame short) */
  | { kind: 'assistant'; id: number; text: string; cont?: boolean }
  | {
      kind: 'tool';
      id: number;
      callId: string;
      name: string;
      title: string;
      result: ToolResultView;
      expanded?: boolean;
    }
  | { kind: 'thought'; id: number; text: string; source: 'think' | 'reasoning'; expanded?: boolean }
  | { kind: 'verify'; id: number; outcome: VerifyOutcome; round: number }
  | { kind: 'recall'; id: number; items: RecallItem[]; tokens: number }
  | { kind: 'error'; id: number; message: string; fatal: boolean }
  | { kind: 'run_end'; id: number; status: RunStatus; reason: string; steps: number; durationMs: number; usage: Usage }
  | { kind: 'notice'; id: number; text: string; tone: 'info' | 'warn' | 'error' }
  | { kind: 'diff'; id: number; title: string; diff: string };

export interface LiveTool {
  callId: string;
  name: string;
  title: string;
  /** the last lines of streamed output (bounded) */
  tail: string;
  lines: number;
  started: number;
  decision?: 'approved' | 'denied';
}

export interface Status {
  model: string;
  sessionId: string;
  step: number;
  total: Usage;
  /** input tokens of the last request: how full the context is */
  lastInput: number;
  contextTokens: number;
  /** tokens of the session's finished runs */
  session: Usage;
  /** tokens the think model spent answering think calls this session (deliberate mode), apart from the rest */
  think: Usage;
  /** USD per million tokens, when known: the status line shows a cost estimate */
  pricing?: Pricing;
  running: boolean;
  runStarted: number;
  activity: string;
}

export interface TranscriptState {
  done: Item[];
  /** assistant text not yet committed (the block being written) */
  streaming: string;
  /** the last commit cut a block in the middle: the next chunk continues it */
  midBlock: boolean;
  tools: LiveTool[];
  status: Status;
  /** what recall handed the last run (for /traces) */
  lastRecall: { items: RecallItem[]; files: string[]; tokens: number } | null;
  approval: ApprovalRequest | null;
  nextId: number;
  /** bumped by /clear: the finished list starts over (the app remounts its <Static>) */
  epoch: number;
  /** the session is ending: nothing live is drawn any more (the scrollback keeps only the transcript) */
  closed: boolean;
}

export type UiAction =
  | { type: 'ui_user'; text: string }
  | { type: 'ui_notice'; text: string; tone?: 'info' | 'warn' | 'error' }
  | { type: 'ui_diff'; title: string; diff: string }
  | { type: 'ui_approval'; request: ApprovalRequest | null }
  | { type: 'ui_expand_last' }
  | { type: 'ui_model'; model: string }
  | { type: 'ui_close' }
  | { type: 'ui_reset'; sessionId: string }
  /** a saved session's events (resume): the transcript starts over with them */
  | { type: 'ui_load'; sessionId: string; events: AgentEvent[] };

export type Action = AgentEvent | UiAction;

const TAIL_KEEP = 200;

export function initialState(
  opts: { model?: string; sessionId?: string; contextTokens?: number; pricing?: Pricing } = {},
): TranscriptState {
  return {
    done: [],
    streaming: '',
    midBlock: false,
    tools: [],
    status: {
      model: opts.model ?? '',
      sessionId: opts.sessionId ?? '',
      step: 0,
      total: emptyUsage(),
      lastInput: 0,
      contextTokens: opts.contextTokens ?? 128_000,
      session: emptyUsage(),
      think: emptyUsage(),
      ...(opts.pricing ? { pricing: opts.pricing } : {}),
      running: false,
      runStarted: 0,
      activity: '',
    },
    lastRecall: null,
    approval: null,
    nextId: 0,
    closed: false,
    epoch: 0,
  };
}

type NewItem = Item extends infer T ? (T extends Item ? Omit<T, 'id'> : never) : never;

function push(state: TranscriptState, ...items: NewItem[]): TranscriptState {
  if (items.length === 0) return state;
  let id = state.nextId;
  const added = items.map((it) => ({ ...it, id: id++ }) as Item);
  return { ...state, done: [...state.done, ...added], nextId: id };
}

function commitStreaming(state: TranscriptState, final: boolean): TranscriptState {
  if (!state.streaming) return final ? { ...state, midBlock: false } : state;
  const cont = state.midBlock;
  if (final) {
    const text = state.streaming.replace(/\s+$/, '');
    const next = { ...state, streaming: '', midBlock: false };
    return text.trim() ? push(next, { kind: 'assistant', text, ...(cont ? { cont } : {}) }) : next;
  }
  const { commit, rest, midBlock } = splitCommitted(state.streaming);
  if (!commit.trim()) return commit ? { ...state, streaming: rest } : state;
  return push(
    { ...state, streaming: rest, midBlock },
    { kind: 'assistant', text: commit.replace(/\s+$/, ''), ...(cont ? { cont } : {}) },
  );
}

function keepTail(text: string): string {
  if (text.length < 64 * 1024) {
    const lines = text.split('\n');
    return lines.length > TAIL_KEEP ? lines.slice(-TAIL_KEEP).join('\n') : text;
  }
  return keepTail(text.slice(-32 * 1024));
}

function countLines(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

function setStatus(state: TranscriptState, patch: Partial<Status>): TranscriptState {
  return { ...state, status: { ...state.status, ...patch } };
}

export function reduce(state: TranscriptState, action: Action): TranscriptState {
  switch (action.type) {
    case 'ui_user':
      return push(state, { kind: 'user', text: action.text });
    case 'ui_notice':
      return push(state, { kind: 'notice', text: action.text, tone: action.tone ?? 'info' });
    case 'ui_diff':
      return push(state, { kind: 'diff', title: action.title, diff: action.diff });
    case 'ui_approval':
      return {
        ...state,
        approval: action.request,
        status: { ...state.status, activity: action.request ? 'waiting for approval' : state.status.activity },
      };
    case 'ui_close':
      return { ...state, closed: true, approval: null };
    case 'ui_model':
      return setStatus(state, { model: action.model });
    case 'ui_reset':
      return {
        ...initialState({
          model: state.status.model,
          sessionId: action.sessionId,
          contextTokens: state.status.contextTokens,
          ...(state.status.pricing ? { pricing: state.status.pricing } : {}),
        }),
        nextId: state.nextId,
        epoch: state.epoch + 1,
      };
    case 'ui_load': {
      const fresh = reduce(state, { type: 'ui_reset', sessionId: action.sessionId });
      const loaded = replayEvents(action.events, fresh);
      return { ...loaded, status: { ...loaded.status, running: false, activity: '', sessionId: action.sessionId } };
    }
    case 'ui_expand_last': {
      for (let i = state.done.length - 1; i >= 0; i--) {
        const it = state.done[i];
        if (it && (it.kind === 'tool' || it.kind === 'thought') && !it.expanded) {
          // Static output cannot change: the expanded view is a new item at the end.
          return push(state, { ...it, expanded: true } as NewItem);
        }
      }
      return push(state, { kind: 'notice', text: 'nothing to expand', tone: 'info' });
    }
    case 'run_start':
      return setStatus(
        { ...state, streaming: '', tools: [] },
        {
          model: action.model,
          sessionId: action.session_id,
          running: true,
          runStarted: action.ts,
          step: 0,
          activity: 'thinking',
        },
      );
    case 'step_start':
      return setStatus(commitStreaming(state, true), { step: action.step, activity: 'thinking' });
    case 'assistant_delta': {
      const next = {
        ...state,
        streaming: state.streaming + action.text,
        status: { ...state.status, activity: 'writing' },
      };
      return commitStreaming(next, false);
    }
    case 'assistant_message': {
      if (state.streaming) return commitStreaming(state, true);
      const text = action.text.trim();
      return text ? push(state, { kind: 'assistant', text }) : state;
    }
    case 'thought':
      return push(commitStreaming(state, true), { kind: 'thought', text: action.text, source: action.source });
    case 'tool_start': {
      const s = commitStreaming(state, true);
      if (action.name === 'think') return setStatus(s, { activity: 'thinking' });
      const tool: LiveTool = {
        callId: action.call_id,
        name: action.name,
        title: action.title,
        tail: '',
        lines: 0,
        started: action.ts,
      };
      return {
        ...s,
        tools: [...s.tools, tool],
        status: { ...s.status, activity: `${action.name} ${action.title}`.slice(0, 80) },
      };
    }
    case 'tool_output':
      return {
        ...state,
        tools: state.tools.map((t) =>
          t.callId === action.call_id
            ? { ...t, tail: keepTail(t.tail + action.text), lines: t.lines + countLines(action.text) }
            : t,
        ),
      };
    case 'approval':
      return {
        ...state,
        approval: null,
        tools: state.tools.map((t) =>
          t.callId === action.call_id && action.decision !== 'auto' ? { ...t, decision: action.decision } : t,
        ),
      };
    case 'tool_end': {
      const live = state.tools.find((t) => t.callId === action.call_id);
      const tools = state.tools.filter((t) => t.callId !== action.call_id);
      const next = {
        ...state,
        tools,
        status: { ...state.status, activity: tools.length ? state.status.activity : 'thinking' },
      };
      if (action.name === 'think' && !action.is_error) return next;
      const d = action.data ?? {};
      const result: ToolResultView = {
        isError: action.is_error,
        text: action.display ?? action.output,
        durationMs: action.duration_ms,
        ...(d.exit_code !== undefined ? { exitCode: d.exit_code } : {}),
        ...(d.timed_out ? { timedOut: true } : {}),
        ...(d.diff ? { diff: d.diff } : {}),
        ...(d.files_changed?.length ? { filesChanged: d.files_changed } : {}),
        ...(live?.decision ? { decision: live.decision } : {}),
      };
      return push(next, {
        kind: 'tool',
        callId: action.call_id,
        name: action.name,
        title: live?.title ?? action.name,
        result,
      });
    }
    case 'recall':
      return {
        ...push(state, { kind: 'recall', items: action.items, tokens: action.tokens }),
        lastRecall: { items: action.items, files: action.files, tokens: action.tokens },
      };
    case 'verify_start':
      return setStatus(commitStreaming(state, true), {
        activity: `running tests${action.command ? `: ${action.command}` : ''}`.slice(0, 80),
      });
    case 'verify_result': {
      const { type: _t, seq: _s, ts: _ts, round, ...outcome } = action;
      return push(state, { kind: 'verify', round, outcome });
    }
    case 'usage':
      return setStatus(state, {
        total: action.total,
        lastInput: action.input_tokens,
        step: Math.max(state.status.step, action.step),
      });
    case 'compaction':
      return push(state, {
        kind: 'notice',
        text: `context compacted: ${action.elided} old tool result(s) elided (~${action.before_tokens} → ~${action.after_tokens} tokens)`,
        tone: 'info',
      });
    case 'think_usage': {
      const { input_tokens, output_tokens, cached_tokens, reasoning_tokens } = action;
      const step = { input_tokens, output_tokens, cached_tokens, reasoning_tokens };
      return setStatus(state, { think: sumUsage(state.status.think, step) });
    }
    case 'error':
      return push(commitStreaming(state, true), { kind: 'error', message: action.message, fatal: action.fatal });
    case 'run_end': {
      const s = commitStreaming({ ...state, tools: [], approval: null }, true);
      return setStatus(
        push(s, {
          kind: 'run_end',
          status: action.status,
          reason: action.reason,
          steps: action.steps,
          durationMs: action.duration_ms,
          usage: action.usage,
        }),
        {
          running: false,
          activity: '',
          total: emptyUsage(),
          session: sumUsage(state.status.session, action.usage),
        },
      );
    }
    default:
      return state;
  }
}

/** Rebuild a transcript from a saved session's events (resume). */
export function replayEvents(events: AgentEvent[], base: TranscriptState = initialState()): TranscriptState {
  let s = base;
  for (const e of events) {
    if (e.type === 'run_start') s = reduce(s, { type: 'ui_user', text: e.task });
    s = reduce(s, e);
  }
  return s;
}
