import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/agent/events.js';
import { compose } from '../../src/cli/compose.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';
import { type ChatRequest, startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

let server: ScriptedServer;
let home: TempHome;
let repo: { dir: string; cleanup: () => void };
beforeEach(async () => {
  server = await startScriptedServer();
  home = makeTempHome();
  repo = makeTempRepo({ 'README.md': '# demo\n' });
});
afterEach(async () => {
  await server.close();
  home.cleanup();
  repo.cleanup();
});

function writeUserConfig(config: object) {
  mkdirSync(join(home.env.XDG_CONFIG_HOME, 'sedge'), { recursive: true });
  writeFileSync(join(home.env.XDG_CONFIG_HOME, 'sedge', 'config.json'), JSON.stringify(config));
}

async function runTask(task: string): Promise<AgentEvent[]> {
  const c = await compose({
    cwd: repo.dir,
    env: { ...home.env, OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'sk-test-key-0000' },
    flags: { verify: false, recall: false },
    approvalMode: 'auto',
  });
  const events: AgentEvent[] = [];
  try {
    for await (const e of c.run(task, new AbortController().signal)) events.push(e);
  } finally {
    await c.close();
  }
  return events;
}

describe('think, deliberate mode (think_model)', () => {
  it('answers a think call by asking the think model with the context; its usage is counted apart', async () => {
    writeUserConfig({ model: 'fast-model', think_model: 'deep-model', think_effort: 'high' });
    let thinkRequest: ChatRequest | undefined;
    server.push(
      (req) => {
        expect(req.model).toBe('fast-model');
        return {
          text: 'Let me think.',
          tool_calls: [{ id: 'c1', name: 'think', arguments: { thought: 'Is the bug in parse or in eval?' } }],
          usage: { input_tokens: 1000, output_tokens: 30, cached_tokens: 0 },
        };
      },
      (req) => {
        thinkRequest = req;
        return {
          reasoning: 'Weighing both.',
          text: 'It is in eval: check operator precedence.',
          usage: { input_tokens: 1100, output_tokens: 400, cached_tokens: 1000 },
        };
      },
      { text: 'Fixed eval.', usage: { input_tokens: 1200, output_tokens: 10, cached_tokens: 1000 } },
    );
    const events = await runTask('fix the calculator');

    // the second model got the context (system prompt, the task) and the thought, and answered in text
    expect(thinkRequest?.model).toBe('deep-model');
    expect(thinkRequest?.reasoning_effort).toBe('high');
    expect(server.requests[0]).not.toHaveProperty('reasoning_effort');
    const msgs = thinkRequest?.messages ?? [];
    expect(msgs[0]?.role).toBe('system');
    expect(String(msgs[1]?.content)).toContain('fix the calculator');
    expect(msgs.at(-1)?.role).toBe('user');
    expect(String(msgs.at(-1)?.content)).toContain('<thought>\nIs the bug in parse or in eval?\n</thought>');
    expect(msgs.some((m) => m.role === 'assistant')).toBe(false); // the unanswered call is not sent
    expect(thinkRequest?.tools?.map((t) => t.function.name)).toContain('think');

    // its conclusion is the tool result the fast model sees next
    const next = server.requests[2];
    expect(next?.model).toBe('fast-model');
    const tool = next?.messages.find((m) => m.role === 'tool');
    expect(tool?.content).toBe('It is in eval: check operator precedence.');

    // usage apart: a think_usage event, the loop's usage without it, run_end with both
    const thinkUsage = events.filter((e) => e.type === 'think_usage');
    expect(thinkUsage).toHaveLength(1);
    expect(thinkUsage[0]).toMatchObject({ model: 'deep-model', input_tokens: 1100, output_tokens: 400 });
    const end = events.at(-1);
    expect(end).toMatchObject({
      type: 'run_end',
      status: 'done',
      usage: { input_tokens: 2200, output_tokens: 40, cached_tokens: 1000 },
      think_usage: { input_tokens: 1100, output_tokens: 400, cached_tokens: 1000 },
    });
  });

  it("over the Responses API: the main model's encrypted reasoning is not sent to the think model", async () => {
    writeUserConfig({ model: 'fast-model', think_model: 'deep-model', api: 'responses' });
    server.push(
      { reasoning: 'first', tool_calls: [{ id: 'c1', name: 'think', arguments: { thought: 'why?' } }] },
      { text: 'Because of X.' },
      { reasoning: 'second', tool_calls: [{ id: 'c2', name: 'think', arguments: { thought: 'and then?' } }] },
      { text: 'Then Y.' },
      { text: 'done' },
    );
    const events = await runTask('explain');
    expect(events.at(-1)).toMatchObject({ status: 'done' });
    expect(server.paths.every((p) => p === '/v1/responses')).toBe(true);
    type Body = { model: string; input: { type?: string; role?: string; call_id?: string }[] };
    const bodies = server.rawBodies.map((b) => JSON.parse(b) as Body);
    const think = bodies[3] as Body; // the second think request: the first turn (with its reasoning) is context
    expect(think.model).toBe('deep-model');
    expect(think.input.some((i) => i.type === 'function_call' && i.call_id === 'c1')).toBe(true);
    expect(think.input.some((i) => i.type === 'reasoning')).toBe(false);
    expect(think.input.at(-1)).toMatchObject({ role: 'user' });
    // the main model gets its own reasoning back, and the think model's answers as the calls' outputs
    const last = bodies[4] as Body;
    expect(last.model).toBe('fast-model');
    expect(last.input.filter((i) => i.type === 'reasoning')).toHaveLength(2);
    expect(last.input.at(-1)).toMatchObject({ type: 'function_call_output', output: 'Then Y.' });
  });

  it('note mode stays the default: without think_model nothing else is asked', async () => {
    writeUserConfig({ model: 'fast-model' });
    server.push({ tool_calls: [{ id: 'c1', name: 'think', arguments: { thought: 'plan' } }] }, { text: 'done' });
    const events = await runTask('do it');
    expect(server.requests.map((r) => r.model)).toEqual(['fast-model', 'fast-model']);
    expect(server.requests[1]?.messages.find((m) => m.role === 'tool')?.content).toBe('Thought noted.');
    expect(events.some((e) => e.type === 'think_usage')).toBe(false);
    expect(events.at(-1)).not.toHaveProperty('think_usage');
  });
});
