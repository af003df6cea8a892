import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAgent } from '../../src/agent/loop.js';
import type { AgentEvent, VerifyOutcome } from '../../src/agent/events.js';
import type { AgentDeps, RunResult, Verifier } from '../../src/agent/types.js';
import { createOpenAIModel } from '../../src/model/openai.js';
import { withRetry } from '../../src/model/retry.js';
import { createGrepTool } from '../../src/tools/grep.js';
import { createShellTool } from '../../src/tools/shell.js';
import { createThinkTool } from '../../src/tools/think.js';
import { createToolset, type Toolset } from '../../src/tools/tool.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { makeTempRepo } from '../support/repo.js';

let server: ScriptedServer;
let repo: { dir: string; cleanup: () => void };
let tools: Toolset;

beforeEach(async () => {
  server = await startScriptedServer();
  repo = makeTempRepo({ 'src/math.js': 'export function add(a, b) {\n  return a - b;\n}\n', 'README.md': '# demo\n' });
  tools = createToolset([
    createShellTool({ workspace: repo.dir }),
    createGrepTool({ workspace: repo.dir }),
    createThinkTool(),
  ]);
});

afterEach(async () => {
  await tools.dispose();
  await server.close();
  repo.cleanup();
});

function deps(extra: Partial<AgentDeps> = {}): AgentDeps {
  const model = withRetry(
    createOpenAIModel({ model: 'scripted', apiKey: 'sk-test-not-a-secret', baseURL: server.baseURL }),
    { wait: async () => {}, retries: 2 },
  );
  return { model, tools, system: 'You are a test.', cwd: repo.dir, sessionId: 'test', ...extra };
}

async function collect(
  gen: AsyncGenerator<AgentEvent, RunResult>,
): Promise<{ events: AgentEvent[]; result: RunResult }> {
  const events: AgentEvent[] = [];
  while (true) {
    const next = await gen.next();
    if (next.done) return { events, result: next.value };
    events.push(next.value);
  }
}

const _types = (events: AgentEvent[]) => events.map((e) => e.type);
const ends = (events: AgentEvent[]) =>
  events.filter((e) => e.type === 'tool_end') as Extract<AgentEvent, { type: 'tool_end' }>[];

describe('runAgent over the real SDK and HTTP', () => {
  it('runs a trajectory with split arguments and two calls in one response, and ends done', async () => {
    server.push(
      {
        text: 'Looking around.',
        tool_calls: [
          { name: 'grep', arguments: { pattern: 'return a' } },
          { name: 'shell', arguments: { command: 'cat src/math.js | wc -l' } },
        ],
        argChunk: 3,
      },
      { tool_calls: [{ name: 'think', arguments: { thought: 'add subtracts; fix the operator' } }] },
      { text: 'All done.' },
    );
    const { events, result } = await collect(runAgent('fix add', deps(), new AbortController().signal));
    expect(result.status).toBe('done');
    expect(events.at(-1)?.type).toBe('run_end');
    expect(events[0]?.type).toBe('run_start');
    const [grep, shell] = ends(events);
    expect(grep?.output).toContain('src/math.js:2:  return a - b;');
    expect(shell?.output).toBe('3'); // success with output: no exit-code line (data has it)
    expect(shell?.data?.exit_code).toBe(0);
    expect(events.some((e) => e.type === 'thought' && e.source === 'think' && e.text.includes('operator'))).toBe(true);
    // The second request carries both tool results, matched to their call ids.
    const second = server.requests[1]?.messages ?? [];
    const toolMsgs = second.filter((m) => m.role === 'tool');
    expect(toolMsgs).toHaveLength(2);
    const assistant = second.find((m) => m.role === 'assistant') as { tool_calls: { id: string }[] };
    expect(toolMsgs.map((m) => m.tool_call_id)).toEqual(assistant.tool_calls.map((c) => c.id));
    // seq is strictly increasing
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
  });

  it('turns malformed calls into errors the model can fix, and goes on', async () => {
    server.push(
      { tool_calls: [{ name: 'shell', arguments: '{"command": "echo hi"' }] },
      { tool_calls: [{ name: 'deploy', arguments: {} }] },
      { tool_calls: [{ name: 'shell', arguments: { cmd: 'ls' } }] },
      { tool_calls: [{ name: 'grep', arguments: { pattern: 'return (' } }] },
      { text: 'ok' },
    );
    const { events, result } = await collect(runAgent('t', deps(), new AbortController().signal));
    expect(result.status).toBe('done');
    const outs = ends(events);
    expect(outs.every((e) => e.is_error)).toBe(true);
    expect(outs[0]?.output).toMatch(/not valid JSON/);
    expect(outs[1]?.output).toMatch(/Unknown tool `deploy`.*shell, grep, think/);
    expect(outs[2]?.output).toMatch(/missing required field `command`/);
    expect(outs[2]?.output).toMatch(/unknown field\(s\) `cmd`/);
    expect(outs[3]?.output).toMatch(/Invalid regular expression/);
    // each error reached the model
    expect(server.requests[4]?.messages.filter((m) => m.role === 'tool')).toHaveLength(4);
  });

  it('stops at the step limit with status limit', async () => {
    for (let i = 0; i < 5; i++) server.push({ tool_calls: [{ name: 'think', arguments: { thought: `step ${i}` } }] });
    const { events, result } = await collect(
      runAgent('t', deps({ limits: { maxSteps: 2 } }), new AbortController().signal),
    );
    expect(result.status).toBe('limit');
    expect(result.reason).toMatch(/step limit/);
    expect(events.at(-1)?.type).toBe('run_end');
  });

  it('is interrupted by its signal while a command runs', async () => {
    server.push({ tool_calls: [{ name: 'shell', arguments: { command: 'sleep 30' } }] });
    const ctl = new AbortController();
    const gen = runAgent('t', deps(), ctl.signal);
    const events: AgentEvent[] = [];
    let result: RunResult | undefined;
    while (true) {
      const next = await gen.next();
      if (next.done) {
        result = next.value;
        break;
      }
      events.push(next.value);
      if (next.value.type === 'tool_start') ctl.abort();
    }
    expect(result.status).toBe('aborted');
    expect(events.at(-1)).toMatchObject({ type: 'run_end', status: 'aborted' });
  });

  it('retries a failed request and rolls back a dropped stream', async () => {
    server.push(
      { error: { status: 503, message: 'overloaded' } },
      { text: 'partial text that is lost', dropAfter: 3 },
      { text: 'final answer' },
    );
    const { events, result } = await collect(runAgent('t', deps(), new AbortController().signal));
    expect(result.status).toBe('done');
    expect(result.finalText).toBe('final answer');
    const msg = events.find((e) => e.type === 'assistant_message') as Extract<
      AgentEvent,
      { type: 'assistant_message' }
    >;
    expect(msg.text).toBe('final answer');
  });

  it('fails with a model error when the provider refuses', async () => {
    server.push({ error: { status: 400, message: 'bad request: context too long' } });
    const { events, result } = await collect(runAgent('t', deps(), new AbortController().signal));
    expect(result.status).toBe('failed');
    expect(events.find((e) => e.type === 'error')).toMatchObject({ source: 'model', fatal: true });
    expect(result.reason).toMatch(/HTTP 400/);
  });

  it('gates done on the verifier and feeds failures back for the configured rounds', async () => {
    const outcome = (ok: boolean): VerifyOutcome => ({
      command: 'npm test',
      ok,
      passed: ok ? 2 : 1,
      failed: ok ? 0 : 1,
      new_failures: ok ? [] : ['adds'],
      preexisting: [],
      duration_ms: 5,
      output_file: null,
      summary: ok ? '2 passed' : '1 passed, 1 failed (1 new)',
    });
    let checks = 0;
    const failing: Verifier = {
      check: async () => (checks++, { outcome: outcome(false), feedback: 'TESTS FAILED: adds' }),
    };
    for (let i = 0; i < 4; i++) server.push({ text: 'done' });
    const run = await collect(
      runAgent('t', deps({ verify: failing, limits: { verifyRounds: 2 } }), new AbortController().signal),
    );
    expect(run.result.status).toBe('tests_failed');
    expect(checks).toBe(3);
    expect(server.requests).toHaveLength(3);
    expect(server.requests[1]?.messages.at(-1)).toMatchObject({ role: 'user', content: 'TESTS FAILED: adds' });
    expect(run.events.at(-1)).toMatchObject({ type: 'run_end', verified: false });

    let n = 0;
    const flaky: Verifier = { check: async () => ({ outcome: outcome(n++ > 0), feedback: 'fix it' }) };
    server.push({ text: 'done' }, { text: 'really done' });
    const ok = await collect(runAgent('t', deps({ verify: flaky }), new AbortController().signal));
    expect(ok.result.status).toBe('done');
    expect(ok.events.at(-1)).toMatchObject({ type: 'run_end', verified: true });
  });

  it('truncates long output and saves the full text where the model can page it', async () => {
    const saved: string[] = [];
    server.push({ tool_calls: [{ name: 'shell', arguments: { command: 'seq 1 5000' } }] }, { text: 'ok' });
    const { events } = await collect(
      runAgent(
        't',
        deps({ saveOutput: async (id, text) => (saved.push(text), join(repo.dir, `${id}.txt`)) }),
        new AbortController().signal,
      ),
    );
    const end = ends(events)[0];
    expect(end?.data?.truncated).toBe(true);
    expect(end?.output).toMatch(/lines omitted/);
    expect(end?.output).toContain('5000');
    expect(end?.output).toMatch(/saved to .*\.txt; page it with the sed tool/);
    expect(saved[0]?.split('\n').filter((l) => /^\d+$/.test(l))).toHaveLength(5000);
    expect(readFileSync(join(repo.dir, 'src/math.js'), 'utf8')).toContain('a - b');
  });
});
