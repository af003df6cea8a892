import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempHome } from '../support/repo.js';
import {
  type ChatRequest,
  type ScriptStep,
  type ScriptedServer,
  startScriptedServer,
} from '../support/scripted-server.js';
import { batchInProcess, gitOut, makeBatchRepo } from './fixture.js';

// a GitHub-token-shaped canary that a command in the task prints
const CANARY = `ghp_${'Zq7'.repeat(12)}`;

let server: ScriptedServer;
let home: ReturnType<typeof makeTempHome>;
let work: string;
let repo: ReturnType<typeof makeBatchRepo>;

beforeAll(async () => {
  const route = (req: ChatRequest): ScriptStep =>
    req.messages.some((m) => m.role === 'tool')
      ? { text: 'value.txt now says good.' }
      : { tool_calls: [{ name: 'shell', arguments: { command: 'cat creds.txt && echo good > value.txt' } }] };
  server = await startScriptedServer([], { fallback: route });
  home = makeTempHome();
  work = mkdtempSync(join(tmpdir(), 'sedge-batch-secrets-'));
  repo = makeBatchRepo('s');
  writeFileSync(join(repo.dir, 'creds.txt'), `GITHUB_TOKEN=${CANARY}\n`);
  gitOut(repo.dir, 'add', 'creds.txt');
  gitOut(repo.dir, 'commit', '-qm', 'creds');
});

afterAll(async () => {
  await server.close();
  repo.cleanup();
  home.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** Every file under dir, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('sedge batch outputs and secrets', () => {
  it('a canary secret printed by a command reaches no batch output (events, result, summary, report)', async () => {
    const manifest = join(work, 'tasks.jsonl');
    writeFileSync(manifest, `${JSON.stringify({ id: 's1', repo: repo.dir, task: 'make value.txt good' })}\n`);
    const out = join(work, 'out');
    const res = await batchInProcess([manifest, '--out', out, '--concurrency', '1', '--test-cmd', 'sh check.sh'], {
      cwd: work,
      env: {
        ...home.env,
        PATH: process.env.PATH,
        OPENAI_BASE_URL: server.baseURL,
        OPENAI_API_KEY: 'sk-test-batch-secrets-0000',
        SEDGE_MODEL: 'scripted-model',
      },
    });
    expect(res.code, res.stderr).toBe(0);
    const events = readFileSync(join(out, 's1', 'events.jsonl'), 'utf8');
    // the command ran and its output was recorded, with the token masked
    expect(events).toContain('GITHUB_TOKEN=');
    expect(events).toContain('[REDACTED]');
    for (const f of files(out)) expect(readFileSync(f, 'utf8'), f).not.toContain(CANARY);
    expect(res.stdout + res.stderr).not.toContain(CANARY);
  }, 90_000);
});
