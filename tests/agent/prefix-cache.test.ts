import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/agent/events.js';
import { runAgent } from '../../src/agent/loop.js';
import { compose } from '../../src/cli/compose.js';
import { createOpenAIModel } from '../../src/model/openai.js';
import { createShellTool } from '../../src/tools/shell.js';
import { createThinkTool } from '../../src/tools/think.js';
import { createToolset } from '../../src/tools/tool.js';
import type { TempHome } from '../support/repo.js';
import { closeScriptedRepo, openScriptedRepo } from '../support/scripted-repo.js';
import type { ScriptStep, ScriptedServer } from '../support/scripted-server.js';

let server: ScriptedServer;
let home: TempHome;
let repo: { dir: string; cleanup: () => void };
const FILES = {
  'README.md': '# demo\n',
  'AGENTS.md': 'Run the tests with `npm test`. Keep functions small.\n',
  'src/parse.js': 'export function parse(s) {\n  return s.split(",");\n}\n',
};
beforeEach(async () => {
  ({ server, home, repo } = await openScriptedRepo(FILES));
});
afterEach(() => closeScriptedRepo({ server, home, repo }));

const shellStep = (i: number, command: string): ScriptStep => ({
  tool_calls: [{ id: `s${i}`, name: 'shell', arguments: { command } }],
});

async function composedRun(
  task: string,
  steps: ScriptStep[],
  config: object = {},
  cwd = repo.dir,
): Promise<AgentEvent[]> {
  mkdirSync(join(home.env.XDG_CONFIG_HOME, 'sedge'), { recursive: true });
  writeFileSync(join(home.env.XDG_CONFIG_HOME, 'sedge', 'config.json'), JSON.stringify({ model: 'gpt-x', ...config }));
  server.push(...steps);
  const c = await compose({
    cwd,
    env: { ...home.env, OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'sk-test-key-0000' },
    flags: { verify: false },
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

interface Body {
  model: string;
  messages: { role: string; content: unknown }[];
  tools: unknown[];
  prompt_cache_key?: string;
}
const bodies = (from = 0) => server.rawBodies.slice(from).map((raw) => JSON.parse(raw) as Body);

/** Each request's messages start with every message of the one before, byte for byte (append-only). */
function expectAppendOnly(list: Body[]) {
  for (let i = 1; i < list.length; i++) {
    const before = list[i - 1]?.messages.map((m) => JSON.stringify(m)) ?? [];
    const now = list[i]?.messages.map((m) => JSON.stringify(m)) ?? [];
    expect(now.slice(0, before.length), `request ${i + 1} rewrote its history`).toEqual(before);
  }
}

/** The fixed prefix: system prompt, tool schemas and the repo-instructions block, as sent. */
function fixedPrefix(b: Body): string {
  const first = String(b.messages[1]?.content);
  const end = first.indexOf('</repo-instructions>');
  expect(end).toBeGreaterThan(0);
  return JSON.stringify([b.messages[0], b.tools, first.slice(0, end)]);
}

describe('cache-friendly context', () => {
  it('the prefix is byte-stable over a 30-step run and across two runs in one repo', async () => {
    const steps = Array.from({ length: 30 }, (_, i) =>
      shellStep(i, i % 3 === 0 ? `grep -n split src/parse.js` : `echo step ${i}`),
    );
    const first = await composedRun('find where parse splits', [...steps, { text: 'It splits on commas.' }]);
    expect(first.at(-1)).toMatchObject({ type: 'run_end', status: 'done', steps: 31 });
    const run1 = bodies();
    expect(run1).toHaveLength(31);
    expectAppendOnly(run1);
    const prefix = fixedPrefix(run1[0] as Body);
    expect(run1.every((b) => fixedPrefix(b) === prefix)).toBe(true);
    expect(String(run1[0]?.messages[1]?.content)).toContain('Keep functions small.');

    // a second run in the same repo: recall now has the first run, and goes after the fixed prefix
    const second = await composedRun('make parse trim spaces', [shellStep(100, 'echo again'), { text: 'done' }]);
    expect(second.some((e) => e.type === 'recall')).toBe(true);
    const run2 = bodies(31);
    expect(run2).toHaveLength(2);
    expectAppendOnly(run2);
    for (const b of run2) expect(fixedPrefix(b)).toBe(prefix);
    const opening = String(run2[0]?.messages[1]?.content);
    expect(opening.indexOf('</repo-instructions>')).toBeLessThan(opening.indexOf('find where parse splits'));
    // Chat Completions on a server that is not OpenAI's: no prompt_cache_key (others may reject it)
    expect(run1[0]?.prompt_cache_key).toBeUndefined();
  });

  it('a run started in a subdirectory shares the prefix; its working directory goes with the task', async () => {
    await composedRun('at the root', [{ text: 'a' }]);
    await composedRun('in src', [{ text: 'b' }], {}, join(repo.dir, 'src'));
    const [root, sub] = bodies();
    expect(fixedPrefix(sub as Body)).toBe(fixedPrefix(root as Body));
    const text = String(sub?.messages[1]?.content);
    expect(text.indexOf(`Working directory: ${join(repo.dir, 'src')}`)).toBeGreaterThan(
      text.indexOf('</repo-instructions>'),
    );
    expect(String(root?.messages[1]?.content)).not.toContain('Working directory');
  });

  it('one prompt_cache_key per repository, the same across runs; instructions and tools stable (Responses)', async () => {
    await composedRun('one', [{ text: 'a' }], { api: 'responses' });
    await composedRun('two', [shellStep(1, 'echo hi'), { text: 'b' }], { api: 'responses' });
    const list = server.rawBodies.map(
      (raw) => JSON.parse(raw) as { prompt_cache_key: string; instructions: string; tools: unknown[] },
    );
    expect(server.paths.every((p) => p.endsWith('/responses'))).toBe(true);
    const key = list[0]?.prompt_cache_key;
    expect(key).toMatch(/^sedge-[0-9a-f]{20}$/);
    expect(list.map((b) => b.prompt_cache_key)).toEqual([key, key, key]);
    const fixed = (b: (typeof list)[number]) => JSON.stringify([b.instructions, b.tools]);
    expect(list.map(fixed)).toEqual(Array(3).fill(fixed(list[0] as (typeof list)[number])));
  });

  it('compaction fires once at the threshold, in one step, and the next requests share the new prefix', async () => {
    // every result is ~1,400 tokens; the window is 20,000: high water at 16,000, low water at 10,000
    const big = (i: number) => shellStep(i, `printf 'line ${i} %.0s----------------------\\n' $(seq 160)`);
    const steps = [...Array.from({ length: 15 }, (_, i) => big(i)), { text: 'done' }];
    const events = await composedRun('read everything', steps, { context_tokens: 20_000 });
    expect(events.at(-1)).toMatchObject({ type: 'run_end', status: 'done' });
    const compactions = events.filter((e) => e.type === 'compaction');
    expect(compactions).toHaveLength(1);
    const c = compactions[0] as Extract<AgentEvent, { type: 'compaction' }>;
    expect(c.before_tokens).toBeGreaterThan(16_000);
    expect(c.after_tokens).toBeLessThanOrEqual(10_000);
    expect(c.count).toBe(1);

    // the request that followed the compaction: which one was it?
    const list = bodies();
    const at = list.findIndex((b) => b.messages.some((m) => String(m.content).includes('[output elided')));
    expect(at).toBeGreaterThan(5);
    expectAppendOnly(list.slice(0, at)); // before: append-only
    expectAppendOnly(list.slice(at)); // after: append-only again, on the new prefix
    // system prompt, tools and the first user message untouched by compaction
    expect(fixedPrefix(list[at] as Body)).toBe(fixedPrefix(list[0] as Body));
    expect(JSON.stringify(list[at]?.messages[1])).toBe(JSON.stringify(list[0]?.messages[1]));
  });

  it('compactions are capped per run', async () => {
    const tools = createToolset([createShellTool({ workspace: repo.dir }), createThinkTool()]);
    const steps = Array.from({ length: 40 }, (_, i) => big2(i));
    server.push(...steps, { text: 'done' });
    const model = createOpenAIModel({ model: 'm', apiKey: 'k', baseURL: server.baseURL });
    const events: AgentEvent[] = [];
    try {
      for await (const e of runAgent(
        'go',
        {
          model,
          tools,
          system: 's',
          cwd: repo.dir,
          sessionId: 's',
          limits: { contextTokens: 12_000 },
          compaction: { maxPerRun: 2 },
        },
        new AbortController().signal,
      ))
        events.push(e);
    } finally {
      await tools.dispose();
    }
    expect(events.at(-1)).toMatchObject({ status: 'done' });
    expect(events.filter((e) => e.type === 'compaction').map((e) => (e as { count: number }).count)).toEqual([1, 2]);
  });
});

function big2(i: number): ScriptStep {
  return shellStep(i, `printf 'line ${i} %.0s----------------------\\n' $(seq 160)`);
}
