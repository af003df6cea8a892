// The scripted task the batch and best-of-N benches share: a repo whose `node --test` passes once value.txt
// says "good", and an OpenAI-compatible endpoint whose first turn fixes it with sed and second turn finishes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

export const TEST_CMD = 'node --test --test-reporter=dot test/';

/** The environment of a benchmarked sedge: its own HOME and XDG dirs under `home`, the scripted endpoint. */
export const benchEnv = (home, endpoint, key = 'sk-bench-not-a-secret') => ({
  PATH: process.env.PATH,
  HOME: home,
  XDG_CONFIG_HOME: join(home, 'config'),
  XDG_STATE_HOME: join(home, 'state'),
  XDG_CACHE_HOME: join(home, 'cache'),
  OPENAI_BASE_URL: endpoint.url,
  OPENAI_API_KEY: key,
  SEDGE_MODEL: 'bench',
});

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** An OpenAI-compatible endpoint: first turn a sed edit, then a final answer, each after latencyMs. */
export async function startFixEndpoint({ latencyMs = 0 } = {}) {
  let requests = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests++;
      const request = JSON.parse(body);
      const first = !request.messages.some((m) => m.role === 'assistant');
      const base = { id: `c${requests}`, object: 'chat.completion.chunk', created: 0, model: 'bench' };
      const delta = first
        ? {
            tool_calls: [
              {
                index: 0,
                id: `call_${requests}`,
                type: 'function',
                function: { name: 'sed', arguments: JSON.stringify({ path: 'value.txt', script: 's/bad/good/' }) },
              },
            ],
          }
        : { content: 'value.txt says good now.' };
      const chunks = [
        { ...base, choices: [{ index: 0, delta: { role: 'assistant', ...delta }, finish_reason: null }] },
        { ...base, choices: [{ index: 0, delta: {}, finish_reason: first ? 'tool_calls' : 'stop' }] },
        { ...base, choices: [], usage: { prompt_tokens: 1000, completion_tokens: 50, total_tokens: 1050 } },
      ];
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`${chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('')}data: [DONE]\n\n`);
      }, latencyMs);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/v1`, requests: () => requests, close: () => server.close() };
}

function git(cwd, ...args) {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

export function makeFixRepo(dir, label = '') {
  mkdirSync(join(dir, 'test'), { recursive: true });
  writeFileSync(join(dir, 'value.txt'), `bad${label ? ` ${label}` : ''}\n`);
  writeFileSync(
    join(dir, 'test', 'value.test.js'),
    "const { test } = require('node:test');\nconst assert = require('node:assert');\n" +
      "test('value is good', () => assert.match(require('node:fs').readFileSync('value.txt', 'utf8'), /good/));\n",
  );
  writeFileSync(join(dir, 'package.json'), '{"name":"bench-repo","private":true}\n');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, '-c', 'user.email=b@example.invalid', '-c', 'user.name=b', 'add', '-A');
  git(dir, '-c', 'user.email=b@example.invalid', '-c', 'user.name=b', 'commit', '-qm', 'init');
}
