import { execFileSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { runBatchCommand } from '../../src/cli/batch.js';
import type { ChatRequest, ScriptStep } from '../support/scripted-server.js';
import { makeTempRepo } from '../support/repo.js';

/**
 * Batch fixtures: throwaway repos whose test (`sh check.sh`) passes once value.txt says "good", and a router
 * for the scripted server that answers each request from the task's kind, written into the task text as
 * KIND=<kind>, and how far its conversation got. Concurrent workers can then share one server.
 */
export type Kind = 'fix' | 'nofix' | 'hang' | 'modelerr';

export function makeBatchRepo(name: string) {
  return makeTempRepo({
    'value.txt': `bad ${name}\n`,
    'check.sh': 'grep -q good value.txt || { echo "FAIL value is not good"; exit 1; }\necho "1 passed"\n',
  });
}

export function taskText(kind: Kind, id: string): string {
  return `KIND=${kind} ID=${id}: make value.txt say good`;
}

export interface Router {
  route: (req: ChatRequest) => ScriptStep;
  /** task ids in the order their first model request arrived */
  firstTurns: string[];
}

export function createRouter(): Router {
  const firstTurns: string[] = [];
  const route = (req: ChatRequest): ScriptStep => {
    // the task itself, not a recalled earlier task of the same repo
    const first = req.messages.find((m) => m.role === 'user');
    const content = typeof first?.content === 'string' ? first.content : '';
    const text = /<task>\n([\s\S]*)\n<\/task>/.exec(content)?.[1] ?? content;
    const kind = /KIND=(\w+)/.exec(text)?.[1] as Kind | undefined;
    const id = /ID=([\w.-]+)/.exec(text)?.[1] ?? '?';
    const turns = req.messages.filter((m) => m.role === 'assistant').length;
    if (turns === 0) firstTurns.push(id);
    switch (kind) {
      case 'fix':
        return turns === 0
          ? { tool_calls: [{ name: 'sed', arguments: { path: 'value.txt', script: 's/bad/good/' } }] }
          : { text: 'value.txt now says good.' };
      case 'nofix':
        return { text: 'Nothing to change.' };
      case 'hang':
        return turns === 0
          ? { tool_calls: [{ name: 'shell', arguments: { command: 'sleep 600' } }] }
          : { text: 'done waiting' };
      case 'modelerr':
        return { error: { status: 400, message: 'scripted bad request' } };
      default:
        return { error: { status: 500, message: `router: no KIND in request` } };
    }
  };
  return { route, firstTurns };
}

export function gitOut(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
}

/** Run `sedge batch ...` in-process with captured stdout/stderr (no TTY: plain lines). */
export async function batchInProcess(args: string[], opts: { cwd: string; env: Record<string, string | undefined> }) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runBatchCommand(args, {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: opts.env,
    cwd: opts.cwd,
  });
  return { code, stdout: out, stderr: err };
}

/** What a best-of-N attempt does, by its word in the task's PLAN=a,b,... (one word per attempt). */
const ATTEMPT_PLANS: Record<string, ScriptStep> = {
  // the smallest passing change: 1 line removed, 1 added
  fix: { tool_calls: [{ name: 'sed', arguments: { path: 'value.txt', script: 's/bad/good/' } }] },
  // passes too, with a bigger change
  big: {
    tool_calls: [{ name: 'shell', arguments: { command: "printf 'good\\nand more\\nand more\\n' > value.txt" } }],
  },
  // changes the file, tests still fail
  wrong: { tool_calls: [{ name: 'sed', arguments: { path: 'value.txt', script: 's/bad/worse/' } }] },
  // changes nothing
  none: { text: 'Nothing to change.' },
};

/**
 * The scripted answer for one request of a best-of-N attempt: the attempt's number from the repository root the
 * first user message names (`attemptDir` captures it from what follows `Repository root: `), its plan word from
 * the task block (recalled earlier tasks of the same repository, quoted before it, carry plans of their own),
 * and a final answer after the first turn.
 */
export function attemptStep(req: ChatRequest, attemptDir: RegExp): ScriptStep {
  const first = req.messages.find((m) => m.role === 'user');
  const text = typeof first?.content === 'string' ? first.content : JSON.stringify(first?.content ?? '');
  const root = /Repository root: (\S*)/.exec(text)?.[1] ?? '';
  const index = Number(attemptDir.exec(root)?.[1] ?? 0);
  const task = /<task>\n([\s\S]*?)\n<\/task>/.exec(text)?.[1] ?? '';
  const plan = /PLAN=([\w,]+)/.exec(task)?.[1]?.split(',') ?? [];
  const step = ATTEMPT_PLANS[plan[index - 1] ?? ''];
  if (!step) return { error: { status: 400, message: `router: no plan for attempt ${index}` } };
  const turns = req.messages.filter((m) => m.role === 'assistant').length;
  return turns === 0 ? step : { text: 'That is my change.' };
}
