#!/usr/bin/env node
// npm run bench (long-50): the token economy of a 50-step exploration. sedge runs in-process (the built
// composition: real system prompt, every tool it sends, repo instructions, recall after a warm-up task)
// against a local endpoint that records each request and answers with the scripted steps. The baseline is a
// bare one-tool loop (one-line system prompt, one `bash` tool, raw command output) doing the same
// exploration with the equivalent shell commands, measured in the same run on the same repo.
// Tokens: o200k_base over the JSON of each request's messages and tools. Results: bench/results/tokens.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { fixedPrefixTokens } from './prefix.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TASK = 'Explain how a model turn flows through sedge: the loop, retries, tools and traces. Do not change files.';

/** The exploration: what sedge's tools are asked, and the shell command a bare loop would run for it. */
function scenario() {
  const files = [
    ['src/agent/loop.ts', 'runAgent'],
    ['src/agent/turn.ts', 'streamTurn'],
    ['src/model/retry.ts', 'withRetry'],
    ['src/model/openai.ts', 'toModelError'],
    ['src/tools/tool.ts', 'defineTool'],
    ['src/tools/grep.ts', 'createGrepTool'],
    ['src/tools/shell.ts', 'createShellTool'],
    ['src/traces/store.ts', 'openTraceStore'],
    ['src/traces/recall.ts', 'recallForTask'],
    ['src/agent/context.ts', 'compactHistory'],
    ['src/config/load.ts', 'loadSettings'],
    ['src/agent/events.ts', 'AgentEvent'],
  ];
  const steps = [];
  for (const [file, symbol] of files) {
    steps.push({ tool: 'grep', args: { pattern: symbol, path: 'src' }, bash: `grep -rn '${symbol}' src` });
    steps.push({
      tool: 'sed',
      args: { path: file, script: '1,40p' },
      bash: `nl -ba -w2 ${file} | sed -n '1,40p'`,
    });
    steps.push({
      tool: 'sed',
      args: { path: file, script: '41,80p' },
      bash: `nl -ba -w2 ${file} | sed -n '41,80p'`,
    });
    steps.push({ tool: 'shell', args: { command: `wc -l ${file}` }, bash: `wc -l ${file}` });
  }
  steps.push({ tool: 'shell', args: { command: 'ls src' }, bash: 'ls src' });
  steps.push({ tool: 'shell', args: { command: 'git log --oneline -3' }, bash: 'git log --oneline -3' });
  return steps.slice(0, 50);
}

const answer = 'The loop streams a turn, runs the tools, and records a trace.';

/** A local endpoint: records each request body and streams the next scripted turn. */
async function startEndpoint(turns) {
  const bodies = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      const turn = turns.shift() ?? { text: answer };
      const base = { id: 'b', object: 'chat.completion.chunk', created: 0, model: 'bench' };
      const delta = turn.call
        ? {
            tool_calls: [
              {
                index: 0,
                id: turn.call.id,
                type: 'function',
                function: { name: turn.call.name, arguments: turn.call.arguments },
              },
            ],
          }
        : { content: turn.text };
      const chunks = [
        { ...base, choices: [{ index: 0, delta, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: {}, finish_reason: turn.call ? 'tool_calls' : 'stop' }] },
      ];
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`${chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('')}data: [DONE]\n\n`);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/v1`, bodies, close: () => server.close() };
}

const requestTokens = (b) => countTokens(JSON.stringify(b.messages)) + countTokens(JSON.stringify(b.tools ?? []));

async function sedgeRun(repo, home, steps) {
  const { compose } = await import(join(root, 'dist', 'cli', 'compose.js'));
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_STATE_HOME: join(home, 's'),
    XDG_CACHE_HOME: join(home, 'c'),
    XDG_CONFIG_HOME: join(home, 'f'),
    OPENAI_API_KEY: 'sk-bench',
  };
  const once = async (task, turns) => {
    const endpoint = await startEndpoint(turns);
    const c = await compose({
      cwd: repo,
      env: { ...env, OPENAI_BASE_URL: endpoint.url },
      flags: { verify: false, model: 'gpt-4.1-mini' },
      approvalMode: 'auto',
    });
    let end;
    for await (const e of c.run(task, new AbortController().signal)) if (e.type === 'run_end') end = e;
    await c.close();
    endpoint.close();
    if (end?.status !== 'done') throw new Error(`sedge run ended ${end?.status}: ${end?.reason}`);
    return endpoint.bodies;
  };
  // a warm-up task, so the measured run recalls prior work the way a user's second task does
  await once('List the top-level folders of src.', [
    { call: { id: 'w1', name: 'shell', arguments: JSON.stringify({ command: 'ls src' }) } },
    { text: 'agent, cli, config, exec, model, repo, tools, traces, ui.' },
  ]);
  const turns = steps.map((s, i) => ({ call: { id: `c${i}`, name: s.tool, arguments: JSON.stringify(s.args) } }));
  return once(TASK, [...turns, { text: answer }]);
}

function bareRun(repo, steps) {
  const tools = [
    {
      type: 'function',
      function: {
        name: 'bash',
        description: 'Run a bash command in the repository.',
        parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
      },
    },
  ];
  const messages = [
    { role: 'system', content: 'You are a coding agent. Use the bash tool.' },
    { role: 'user', content: TASK },
  ];
  const bodies = [];
  const send = () => bodies.push(JSON.parse(JSON.stringify({ messages, tools })));
  steps.forEach((s, i) => {
    send();
    const r = spawnSync('bash', ['-c', s.bash], { cwd: repo, encoding: 'utf8' });
    const output = `${r.stdout}${r.stderr}`.replace(/\n$/, '');
    const id = `c${i}`;
    messages.push({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id, type: 'function', function: { name: 'bash', arguments: JSON.stringify({ command: s.bash }) } },
      ],
    });
    messages.push({ role: 'tool', tool_call_id: id, content: output });
  });
  send();
  return bodies;
}

/** Share of requests whose system prompt, tools and history are the previous request's, byte for byte. */
function prefixStable(bodies) {
  let stable = 0;
  for (let i = 1; i < bodies.length; i++) {
    const before = bodies[i - 1];
    const now = bodies[i];
    const same =
      JSON.stringify(now.tools) === JSON.stringify(before.tools) &&
      before.messages.every((m, j) => JSON.stringify(m) === JSON.stringify(now.messages[j]));
    if (same) stable++;
  }
  return bodies.length > 1 ? stable / (bodies.length - 1) : 1;
}

async function main() {
  const home = mkdtempSync(join(tmpdir(), 'sedge-bench-long-'));
  const repo = join(home, 'repo');
  mkdirSync(repo);
  cpSync(join(root, 'src'), join(repo, 'src'), { recursive: true });
  writeFileSync(join(repo, 'AGENTS.md'), 'TypeScript, ESM. Run the tests with `npm test`.\n');
  for (const args of [
    ['init', '-q'],
    ['add', '-A'],
    ['-c', 'user.name=b', '-c', 'user.email=b@b.invalid', 'commit', '-q', '-m', 'init'],
  ])
    execFileSync('git', args, { cwd: repo });
  try {
    const steps = scenario();
    const sedge = await sedgeRun(repo, home, steps);
    const bare = bareRun(repo, steps);
    const sum = (bodies) => bodies.reduce((n, b) => n + requestTokens(b), 0);
    // BENCH_DEBUG=1: tokens of each tool result and call, sedge vs the baseline, to see where the extra goes
    if (process.env.BENCH_DEBUG) {
      const st = sedge.at(-1).messages.filter((m) => m.role === 'tool');
      const bt = bare.at(-1).messages.filter((m) => m.role === 'tool');
      const sa = sedge.at(-1).messages.filter((m) => m.role === 'assistant');
      const ba = bare.at(-1).messages.filter((m) => m.role === 'assistant');
      st.forEach((m, i) => {
        process.stdout.write(
          `${i} ${steps[i].tool} ${countTokens(m.content)} ${countTokens(bt[i].content)} args ${countTokens(JSON.stringify(sa[i]))} ${countTokens(JSON.stringify(ba[i]))}\n`,
        );
      });
    }
    const sedgeTotal = sum(sedge);
    const bareTotal = sum(bare);
    const first = sedge[0];
    const { createShellTool } = await import(join(root, 'dist', 'tools', 'shell.js'));
    const { createGrepTool } = await import(join(root, 'dist', 'tools', 'grep.js'));
    const { createSedTool } = await import(join(root, 'dist', 'tools', 'sed.js'));
    const { createThinkTool } = await import(join(root, 'dist', 'tools', 'think.js'));
    const { createRecallTool } = await import(join(root, 'dist', 'traces', 'recall-tool.js'));
    const all = [
      createShellTool({ workspace: repo }),
      createGrepTool({ workspace: repo }),
      createSedTool({ workspace: repo }),
      createThinkTool(),
      createRecallTool({ store: { search: () => [] }, repoRoot: repo }),
    ];
    const prefix = fixedPrefixTokens(all);
    const sent = first.tools.length;
    const results = {
      date: new Date().toISOString(),
      scenario: 'long-50',
      steps: steps.length,
      requests: { sedge: sedge.length, baseline: bare.length },
      total_request_tokens: { sedge: sedgeTotal, baseline: bareTotal, ratio: round(sedgeTotal / bareTotal, 3) },
      first_request_tokens: { sedge: requestTokens(first), baseline: requestTokens(bare[0]) },
      where: {
        system: countTokens(first.messages[0].content),
        tools: countTokens(JSON.stringify(first.tools)),
        first_user_message: countTokens(first.messages[1].content),
        tool_results: sumTokens(
          sedge
            .at(-1)
            .messages.filter((m) => m.role === 'tool')
            .map((m) => m.content),
        ),
        baseline_tool_results: sumTokens(
          bare
            .at(-1)
            .messages.filter((m) => m.role === 'tool')
            .map((m) => m.content),
        ),
      },
      fixed_prefix_tokens: { ...prefix, tools_sent: sent, target: 1000 },
      prefix_stable_requests: round(prefixStable(sedge), 4),
      target_ratio: 1.1,
    };
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', 'tokens.json'), `${JSON.stringify(results, null, 2)}\n`);
    const ok = (b) => (b ? 'ok' : 'OVER TARGET');
    const r = results.total_request_tokens;
    process.stdout.write(
      `${[
        `long-50 total request tokens: ${r.sedge} vs bare one-tool loop ${r.baseline} (ratio ${r.ratio}) [target ≤ 1.1: ${ok(r.ratio <= 1.1)}]`,
        `fixed prefix with every tool sent (${sent}): ${prefix.total} tokens (system ${prefix.system} + tools ${prefix.tools}) [target ≤ 1000: ${ok(prefix.total <= 1000)}]`,
        `prefix-stable requests: ${round(results.prefix_stable_requests * 100, 1)} % [target 100 %: ${ok(results.prefix_stable_requests === 1)}]`,
        'written to bench/results/tokens.json',
      ].join('\n')}\n`,
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function sumTokens(texts) {
  return texts.reduce((n, t) => n + countTokens(t), 0);
}

function round(x, d) {
  return Math.round(x * 10 ** d) / 10 ** d;
}

await main();
