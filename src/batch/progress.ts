import type { BatchProgress } from './driver.js';
import type { TaskResult } from './types.js';

export interface ProgressView {
  update(p: BatchProgress): void;
  /** draw the last state and stop the timer */
  close(): void;
}

interface Running {
  id: string;
  step: number;
  doing: string;
  since: number;
}

const tokensOf = (r: { input_tokens: number; output_tokens: number }) => r.input_tokens + r.output_tokens;

/** One plain line per finished task (no TTY: logs, CI). */
export function createLineView(write: (s: string) => void): ProgressView {
  let done = 0;
  let total = 0;
  return {
    update(p) {
      if (p.type === 'batch_start') {
        total = p.total;
        done = p.already_finished;
        write(`batch: ${p.total} task(s), ${p.already_finished} already finished, concurrency ${p.concurrency}\n`);
      } else if (p.type === 'task_end') {
        done++;
        write(`[${done}/${total}] ${line(p.result)}\n`);
      } else if (p.type === 'stop') write(`batch: stopped starting tasks: ${p.reason}\n`);
    },
    close() {},
  };
}

function line(r: TaskResult): string {
  const tests = r.tests_after ? ` tests: ${r.tests_after.summary};` : '';
  const cost = r.cost_usd !== null ? ` $${r.cost_usd.toFixed(4)}` : '';
  return `${r.id} ${r.status} (exit ${r.exit_code}, ${(r.duration_ms / 1000).toFixed(1)} s, ${tokensOf(r.tokens)} tok${cost});${tests} ${r.reason}`.trimEnd();
}

/**
 * The TTY view: a block of counts, ETA, tokens and cost, then one line per running task with its step. It
 * is redrawn in place (cursor up, erase each line), never clearing the screen; finished tasks scroll above it.
 */
export function createLiveView(
  write: (s: string) => void,
  opts: { columns: () => number; costOf?: (u: TaskResult['tokens']) => number; now?: () => number },
): ProgressView {
  const now = opts.now ?? Date.now;
  const running = new Map<string, Running>();
  const started = now();
  let total = 0;
  let earlier = 0;
  let done = 0;
  let failed = 0;
  let tokens = 0;
  let cost = 0;
  let drawn = 0;
  let dirty = false;
  let stopNote = '';
  const liveTokens = new Map<string, number>();
  const clip = (s: string) => {
    const w = Math.max(20, opts.columns() - 1);
    return s.length > w ? `${s.slice(0, w - 1)}…` : s;
  };
  const erase = () => {
    if (drawn) write(`\x1b[${drawn}A\r\x1b[J`);
    drawn = 0;
  };
  const draw = () => {
    dirty = false;
    erase();
    const finishedNow = done - earlier;
    const elapsed = (now() - started) / 1000;
    const left = total - done - running.size;
    const eta = finishedNow > 0 ? ((elapsed / finishedNow) * (left + running.size)) / Math.max(1, running.size) : null;
    const live = [...liveTokens.values()].reduce((a, b) => a + b, 0);
    const lines = [
      `batch ${done}/${total} done · ${running.size} running · ${failed} failed · ${left} queued` +
        ` · ${tokens + live} tok${opts.costOf ? ` · $${cost.toFixed(4)}` : ''}` +
        ` · ETA ${eta === null ? '?' : `${Math.round(eta)} s`}${stopNote}`,
      ...[...running.values()].map(
        (r) => `  ${r.id}  step ${r.step}  ${Math.round((now() - r.since) / 1000)} s  ${r.doing}`,
      ),
    ].map(clip);
    write(`${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  const timer = setInterval(() => dirty && draw(), 200);
  timer.unref();
  return {
    update(p) {
      if (p.type === 'batch_start') {
        total = p.total;
        earlier = done = p.already_finished;
      } else if (p.type === 'task_start') running.set(p.id, { id: p.id, step: 0, doing: 'checking out', since: now() });
      else if (p.type === 'task_event') {
        const r = running.get(p.id);
        const e = p.event;
        if (!r) return;
        if (e.type === 'step_start') r.step = e.step;
        else if (e.type === 'tool_start') r.doing = e.title;
        else if (e.type === 'verify_start') r.doing = `tests: ${e.command ?? 'detecting'}`;
        else if (e.type === 'usage') liveTokens.set(p.id, tokensOf(e.total));
        else return;
      } else if (p.type === 'task_end') {
        running.delete(p.result.id);
        liveTokens.delete(p.result.id);
        done++;
        if (p.result.status !== 'done') failed++;
        tokens += tokensOf(p.result.tokens);
        cost += p.result.cost_usd ?? 0;
        erase();
        write(`${clip(line(p.result))}\n`);
      } else if (p.type === 'stop') stopNote = ` · stopped: ${p.reason}`;
      dirty = true;
    },
    close() {
      clearInterval(timer);
      draw();
    },
  };
}
