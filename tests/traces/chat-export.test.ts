import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalRequest, Decision } from '../../src/agent/types.js';
import { compose } from '../../src/cli/compose.js';
import { runTracesCommand } from '../../src/cli/traces-command.js';
import { type ChatExample, ChatExampleSchema, chatExampleJsonSchema } from '../../src/traces/chat-export.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';
import { type ScriptedServer, startScriptedServer } from '../support/scripted-server.js';

/** a token the model reads from a file: it is in the session file as is, and must not leave in an export */
const CANARY = 'ghp_CANARYcanary0123456789abcdefghijklmnop';

let server: ScriptedServer;
let home: TempHome;
let repo: { dir: string; cleanup: () => void };

beforeEach(async () => {
  server = await startScriptedServer();
  home = makeTempHome();
  repo = makeTempRepo({
    'value.txt': 'bad\n',
    'deploy.env': `GH=${CANARY}\n`,
    'check.sh': 'grep -qx good value.txt || { echo "FAIL value is not good"; exit 1; }\necho "1 passed"\n',
  });
});
afterEach(async () => {
  await server.close();
  home.cleanup();
  repo.cleanup();
});

const env = () => ({ ...home.env, OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'sk-test-not-a-secret' });

async function runOnce(task: string, undo: boolean): Promise<void> {
  const c = await compose({
    cwd: repo.dir,
    env: env(),
    flags: { model: 'scripted', testCmd: 'sh check.sh', recall: false },
    approvalMode: 'ask',
  });
  const approve = async (_req: ApprovalRequest): Promise<Decision> => ({ decision: 'approved' });
  try {
    for await (const _ of c.run(task, new AbortController().signal, { approve })) void _;
    if (undo) await c.signalLastRun?.({ kind: 'undone' });
  } finally {
    await c.close();
  }
}

async function exportArgs(...args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', () => undefined);
  const code = await runTracesCommand(['traces', 'export', ...args], { cwd: repo.dir, stdout, stderr, env: env() });
  return {
    code,
    lines: out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as unknown),
  };
}

describe('sedge traces export --format chat-jsonl', () => {
  it('exports runs as chat messages with tool calls, results and rewards; valid, redacted, filterable', async () => {
    server.push(
      { tool_calls: [{ name: 'shell', arguments: { command: 'cat deploy.env && echo good > value.txt' } }] },
      { text: 'value.txt says good.' },
    );
    await runOnce('make value.txt say good', true);
    server.push(
      { tool_calls: [{ name: 'sed', arguments: { path: 'value.txt', script: '1p' } }] },
      { text: 'It says good.' },
    );
    await runOnce('check value.txt', false);

    const all = await exportArgs('--format', 'chat-jsonl');
    expect(all.code).toBe(0);
    expect(all.lines).toHaveLength(2);
    const examples = all.lines.map((l) => ChatExampleSchema.parse(l));
    const [first, second] = examples as [ChatExample, ChatExample];
    expect(first.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant']);
    expect(first.messages[2]).toMatchObject({
      role: 'assistant',
      tool_calls: [{ type: 'function', function: { name: 'shell' } }],
    });
    const call = first.messages[2] as { tool_calls: { id: string }[] };
    expect(first.messages[3]).toMatchObject({ role: 'tool', tool_call_id: call.tool_calls[0]?.id });
    expect((first.messages[3] as { content: string }).content).toContain('GH=[REDACTED]');
    expect(first.reward).toEqual({
      tests: 'passed',
      tests_new_failures: 0,
      accepted: false,
      approved_calls: 1,
      denied_calls: 0,
      undone: true,
      edited_again: false,
      committed: false,
      chosen_attempt: null,
      attempt: null,
    });
    // a run that changed nothing never ran the gate
    expect(second.reward).toMatchObject({ tests: 'not_run', accepted: true, undone: false });
    expect(second.metadata.task).toBe('check value.txt');
    // the command printed the canary: the session file holds it redacted (one redaction function for every
    // write), and no exported line has it
    const sessionFile = join(home.env.XDG_STATE_HOME, 'sedge', 'sessions', `${first.metadata.session_id}.jsonl`);
    const session = readFileSync(sessionFile, 'utf8');
    expect(session).toContain('GH=[REDACTED]');
    expect(session).not.toContain(CANARY);
    expect(JSON.stringify(all.lines)).not.toContain(CANARY);

    const accepted = await exportArgs('--format', 'chat-jsonl', '--only-accepted');
    expect(accepted.lines.map((l) => (l as { metadata: { task: string } }).metadata.task)).toEqual(['check value.txt']);
    expect((await exportArgs('--format', 'chat-jsonl', '--since', '2999-01-01')).lines).toHaveLength(0);
    expect((await exportArgs('--format', 'chat-jsonl', '--since', '2000-01-01')).lines).toHaveLength(2);
    expect((await exportArgs('--format', 'jsonl')).code).toBe(2);
  }, 60_000);

  it('README documents exactly the schema the export is validated against', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const block = /<!-- chat-jsonl-schema -->\n```json\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(block, 'README has a chat-jsonl schema block').toBeDefined();
    expect(JSON.parse(block as string)).toEqual(chatExampleJsonSchema());
  });
});
