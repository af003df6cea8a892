import { drainWhile } from './channel.js';
import { estimateTokens } from '../model/token-estimate.js';
import { createCompactor, firstUserMessage } from './context.js';
import {
  addUsage,
  emptyUsage,
  EVENT_VERSION,
  type AgentEvent,
  type EventInit,
  type RunStatus,
  type Usage,
} from './events.js';
import { streamTurn } from './turn.js';
import { DEFAULT_LIMITS, type AgentDeps, type Limits, type RunResult } from './types.js';
import { ModelError, type Message, type ToolCall } from '../model/types.js';
import { parseLenient } from '../tools/tool.js';
import { fillPrompt, readPrompt } from '../config/prompts.js';

class LoopEnd extends Error {
  constructor(
    readonly status: RunStatus,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * The agent loop. One step = one streamed model call; the tool calls it asks for run in order and
 * their results go back. Everything it does comes out as events; `run_end` is always the last one.
 */
export async function* runAgent(
  task: string,
  deps: AgentDeps,
  signal: AbortSignal,
): AsyncGenerator<AgentEvent, RunResult> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...deps.limits };
  const now = deps.now ?? Date.now;
  const started = now();
  let seq = 0;
  const stamp = (e: EventInit): AgentEvent => ({ ...e, seq: seq++, ts: now() }) as AgentEvent;

  // Our own controller: the caller's abort, or the run's time limit.
  const ctl = new AbortController();
  let timedOut = false;
  const onAbort = () => ctl.abort(signal.reason);
  if (signal.aborted) ctl.abort(signal.reason);
  else signal.addEventListener('abort', onAbort, { once: true });
  const timer =
    limits.timeoutMs > 0
      ? setTimeout(() => ((timedOut = true), ctl.abort(new Error('time limit'))), limits.timeoutMs)
      : undefined;
  timer?.unref?.();

  const messages: Message[] = deps.history?.length ? [...deps.history] : [{ role: 'system', content: deps.system }];
  const usedIds = new Set(
    messages.flatMap((m) => (m.role === 'assistant' && m.tool_calls ? m.tool_calls.map((c) => c.id) : [])),
  );
  let total: Usage = emptyUsage();
  let thinkTotal: Usage | null = null;
  const compact = createCompactor({
    contextTokens: limits.contextTokens,
    overheadTokens: estimateTokens(JSON.stringify(deps.tools.schemas)),
    ...deps.compaction,
  });
  let steps = 0;
  let finalText = '';
  let cutText = '';
  let continuations = 0;
  let verified: boolean | null = null;
  let status: RunStatus = 'failed';
  let reason = '';
  let changed = false;
  let isReady = false;

  yield stamp({
    type: 'run_start',
    version: EVENT_VERSION,
    session_id: deps.sessionId,
    task,
    cwd: deps.cwd,
    model: deps.model.id,
    tools: deps.tools.tools.map((t) => t.name),
    approval: deps.approvalMode ?? (deps.approve ? 'ask' : 'auto'),
  });

  try {
    let recallBlock: string | undefined;
    if (deps.recall) {
      try {
        const recalled = await deps.recall(task, ctl.signal);
        if (recalled) {
          recallBlock = recalled.block;
          yield stamp({ type: 'recall', items: recalled.items, files: recalled.files, tokens: recalled.tokens });
        }
      } catch (err) {
        yield stamp({
          type: 'error',
          message: `recall failed (continuing without it): ${errorText(err)}`,
          source: 'internal',
          fatal: false,
        });
      }
    }
    const isFirstTask = !messages.some((m) => m.role === 'user');
    messages.push({
      role: 'user',
      content: isFirstTask
        ? firstUserMessage(task, { instructions: deps.instructions, recall: recallBlock, where: deps.where })
        : firstUserMessage(task, { recall: recallBlock, where: deps.where }),
    });
    deps.verify?.start?.(ctl.signal, task);

    let verifyRound = 0;
    // consecutive failed tool calls, across steps: a model repeating a malformed call is stopped early
    let toolErrors = 0;
    while (true) {
      if (ctl.signal.aborted) throw abortEnd(timedOut);
      if (steps >= limits.maxSteps) throw new LoopEnd('limit', `step limit reached (${limits.maxSteps} steps)`);
      steps++;
      yield stamp({ type: 'step_start', step: steps });

      const compaction = compact(messages);
      if (compaction) yield stamp({ type: 'compaction', ...compaction });
      const request = {
        messages: [...messages],
        tools: deps.tools.schemas,
        ...(deps.cacheKey ? { cacheKey: deps.cacheKey } : {}),
      };
      const turn = yield* forward(streamTurn(deps.model, request, ctl.signal, usedIds), stamp);
      total = addUsage(total, turn.usage);
      yield stamp({ type: 'usage', step: steps, ...turn.usage, total });
      if (!isReady) {
        // the sandbox is confirmed before anything the model asked for can run (and before the run can end)
        const notReady = deps.ready ? await deps.ready().then(() => null, errorText) : null;
        if (notReady !== null) {
          yield stamp({ type: 'error', message: notReady, source: 'sandbox', fatal: true });
          throw new LoopEnd('failed', notReady);
        }
        isReady = true;
      }
      if (turn.reasoning.trim()) yield stamp({ type: 'thought', text: turn.reasoning, source: 'reasoning' });
      yield stamp({
        type: 'assistant_message',
        text: turn.text,
        tool_calls: turn.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })),
      });
      messages.push({
        role: 'assistant',
        content: turn.text,
        ...(turn.toolCalls.length ? { tool_calls: turn.toolCalls } : {}),
        ...(turn.reasoning ? { reasoning: turn.reasoning } : {}),
        ...(turn.items.length ? { items: turn.items } : {}),
      });
      const joined = cutText + turn.text;
      if (joined.trim()) finalText = joined;
      cutText = '';

      // An answer cut off by the output token limit is not finished: ask for the rest (a few times at most).
      if (turn.toolCalls.length === 0 && turn.finishReason === 'length' && continuations < MAX_CONTINUATIONS) {
        continuations++;
        cutText = joined;
        messages.push({ role: 'user', content: readPrompt('notes/answer-cut-off.md') });
        continue;
      }
      if (turn.toolCalls.length === 0) {
        if (!deps.verify) {
          status = 'done';
          reason = 'the model finished; tests not run (the test gate is off)';
          break;
        }
        verifyRound++;
        yield stamp({ type: 'verify_start', round: verifyRound, command: deps.verify.command ?? null });
        const { outcome, feedback, stop } = await deps.verify.check(ctl.signal);
        yield stamp({ type: 'verify_result', round: verifyRound, ...outcome });
        if (outcome.ok) {
          verified = outcome.skipped_reason ? null : true;
          status = 'done';
          reason = outcome.skipped_reason
            ? `the model finished; tests not run: ${outcome.skipped_reason}`
            : `the model finished and the tests agree: ${outcome.summary}`;
          break;
        }
        verified = false;
        if (stop || verifyRound > limits.verifyRounds) {
          status = 'tests_failed';
          reason = `tests still failing after ${verifyRound} test round(s)${stop ? ' (another round would not help)' : ''}: ${outcome.summary}`;
          break;
        }
        messages.push({ role: 'user', content: feedback });
        continue;
      }

      for (const call of turn.toolCalls) {
        if (ctl.signal.aborted) {
          messages.push({
            role: 'tool',
            tool_call_id: call.id,
            name: call.name,
            content: readPrompt('notes/call-interrupted.md'),
          });
          continue;
        }
        const result = yield* forward(
          runCall(call, deps, ctl.signal, changed, turn.finishReason === 'length', messages),
          stamp,
        );
        if (result.changedSomething) changed = true;
        if (result.thinkUsage) {
          thinkTotal = addUsage(thinkTotal ?? emptyUsage(), result.thinkUsage.usage);
          const { model, usage } = result.thinkUsage;
          yield stamp({ type: 'think_usage', call_id: call.id, model, ...usage, total: thinkTotal });
        }
        messages.push({ role: 'tool', tool_call_id: call.id, name: call.name, content: result.output });
        toolErrors = result.failed ? toolErrors + 1 : 0;
        if (limits.maxToolErrors > 0 && toolErrors >= limits.maxToolErrors) {
          throw new LoopEnd(
            'limit',
            `${toolErrors} tool calls in a row failed (last: ${call.name}: ${firstLine(result.output)})`,
          );
        }
      }
    }
  } catch (err) {
    if (err instanceof LoopEnd) {
      status = err.status;
      reason = err.reason;
    } else if (ctl.signal.aborted) {
      ({ status, reason } = abortEnd(timedOut));
    } else if (err instanceof ModelError) {
      status = 'failed';
      reason = err.message;
      yield stamp({ type: 'error', message: err.message, source: 'model', fatal: true });
    } else {
      status = 'failed';
      reason = `internal error: ${errorText(err)}`;
      yield stamp({ type: 'error', message: reason, source: 'internal', fatal: true });
    }
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }

  yield stamp({
    type: 'run_end',
    status,
    reason,
    final_text: finalText,
    steps,
    usage: total,
    ...(thinkTotal ? { think_usage: thinkTotal } : {}),
    duration_ms: now() - started,
    verified,
  });
  return { status, reason, finalText, steps, messages };
}

function abortEnd(timedOut: boolean): LoopEnd {
  return timedOut ? new LoopEnd('limit', 'time limit reached') : new LoopEnd('aborted', 'interrupted');
}

/** Re-yield a sub-generator's events with seq/ts stamps and hand back its return value. */
async function* forward<R>(
  gen: AsyncGenerator<EventInit, R>,
  stamp: (e: EventInit) => AgentEvent,
): AsyncGenerator<AgentEvent, R> {
  while (true) {
    const next = await gen.next();
    if (next.done) return next.value;
    yield stamp(next.value);
  }
}

interface CallOutcome {
  output: string;
  changedSomething: boolean;
  /** a deliberate think call's own model usage, counted apart from the loop's */
  thinkUsage?: { model: string; usage: Usage };
  /** the call failed (bad arguments, a tool error, cut off); a user's denial does not count */
  failed?: boolean;
}

const MAX_CONTINUATIONS = 3;

/** characters of live output streamed per call */
const STREAM_CAP = 256 * 1024;

async function* runCall(
  call: ToolCall,
  deps: AgentDeps,
  signal: AbortSignal,
  changedBefore: boolean,
  cutOff: boolean,
  messages: readonly Message[],
): AsyncGenerator<EventInit, CallOutcome> {
  const tool = deps.tools.get(call.name);
  const args = safeJson(call.arguments);
  // decided per call: a sed view is a read (no wait for the baseline), a sed edit is an edit
  const kind = tool ? tool.kindOf(args) : 'unknown';
  const title = tool ? tool.title(args) : call.name;
  yield { type: 'tool_start', call_id: call.id, name: call.name, kind, args, title };
  // finish_reason "length": the last call's arguments were cut mid-way; say so rather than "invalid JSON".
  if (cutOff && typeof args === 'string' && args.trim()) {
    const output = readPrompt('notes/call-cut-off.md');
    yield { type: 'tool_end', call_id: call.id, name: call.name, is_error: true, output, duration_ms: 0 };
    return { output, changedSomething: false, failed: true };
  }

  if (tool && deps.approve && kind !== 'think') {
    const decision = await deps.approve({ call, kind, args, title });
    if (decision.decision !== 'auto') {
      yield {
        type: 'approval',
        call_id: call.id,
        name: call.name,
        decision: decision.decision,
        ...(decision.decision === 'denied' && decision.reason ? { reason: decision.reason } : {}),
      };
    }
    if (decision.decision === 'denied') {
      const reason = decision.reason ? `: ${decision.reason}` : '.';
      const output = fillPrompt('notes/call-declined.md', { tool: call.name, reason });
      yield { type: 'tool_end', call_id: call.id, name: call.name, is_error: true, output, duration_ms: 0 };
      return { output, changedSomething: false };
    }
  }
  const mayChange = kind === 'edit' || kind === 'execute';
  if (mayChange && !changedBefore && deps.verify?.beforeFirstChange) await deps.verify.beforeFirstChange(signal);

  // Live output is for people watching; past a cap it would only bloat stdout and the session file (the
  // full text is saved by the tool wrapper when it is long).
  let streamed = 0;
  const onOutput = (push: (e: EventInit) => void) => (text: string) => {
    if (streamed >= STREAM_CAP) return;
    streamed += text.length;
    push({
      type: 'tool_output',
      call_id: call.id,
      text: streamed < STREAM_CAP ? text : `${text}\n[further output not streamed; the full output is saved]\n`,
    });
  };
  const run = yield* drainWhile<EventInit, Awaited<ReturnType<AgentDeps['tools']['run']>>>((push) =>
    deps.tools.run(call, {
      callId: call.id,
      signal,
      onOutput: onOutput(push),
      ...(deps.saveOutput ? { saveOutput: deps.saveOutput } : {}),
      ...(kind === 'think' ? { history: () => messages } : {}),
    }),
  );
  if (kind === 'think' && !run.isError) {
    const thought = (run.args as { thought?: unknown }).thought;
    if (typeof thought === 'string') yield { type: 'thought', text: thought, source: 'think' };
  }
  yield {
    type: 'tool_end',
    call_id: call.id,
    name: call.name,
    is_error: Boolean(run.isError),
    output: run.output,
    ...(run.display !== undefined ? { display: run.display } : {}),
    ...(run.data ? { data: run.data } : {}),
    duration_ms: Math.round(run.durationMs),
  };
  const think = run.data?.think;
  return {
    output: run.output,
    changedSomething: mayChange && !run.isError,
    failed: Boolean(run.isError),
    ...(think ? { thinkUsage: { model: think.model, usage: think.usage } } : {}),
  };
}

function safeJson(text: string): unknown {
  try {
    return parseLenient(text);
  } catch {
    return text;
  }
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
