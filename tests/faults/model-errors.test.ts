import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyHttpError } from '../../src/model/error-class.js';
import { parseJsonl, runCli } from '../support/cli.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

let repo: { dir: string; cleanup: () => void };
let home: TempHome;
let server: ScriptedServer;
beforeEach(async () => {
  home = makeTempHome();
  repo = makeTempRepo({ 'a.txt': 'a\n' });
  server = await startScriptedServer();
});
afterEach(async () => {
  await server.close();
  repo.cleanup();
  home.cleanup();
});

const env = () => ({
  ...home.env,
  OPENAI_BASE_URL: server.baseURL,
  OPENAI_API_KEY: 'sk-test-model-errors-1',
  SEDGE_MODEL: 'scripted-model',
});
const exec = () => runCli(['exec', '--json', '--yes', '--no-verify', 'do it'], { cwd: repo.dir, env: env() });
const userConfig = (cfg: object) => {
  const dir = join(home.env.XDG_CONFIG_HOME, 'sedge');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
};

describe('issue 13.6: model errors', () => {
  it('a 429 insufficient_quota fails at once with exit 3 and a precise message (no retries)', async () => {
    for (let i = 0; i < 4; i++)
      server.push({
        error: { status: 429, message: 'You exceeded your current quota.', code: 'insufficient_quota' },
      });
    const started = performance.now();
    const res = await exec();
    expect(res.code).toBe(3);
    expect(server.requests).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(10_000);
    const end = parseJsonl(res.stdout).at(-1);
    expect(end).toMatchObject({ type: 'run_end', status: 'failed' });
    expect(String(end?.reason)).toContain('quota exhausted');
  }, 30_000);

  it('other non-retryable 4xx fail at once too; a plain 429 is a rate limit and retried', () => {
    for (const status of [400, 401, 403, 404, 422])
      expect(classifyHttpError({ status, message: 'no' }).retryable, String(status)).toBe(false);
    expect(classifyHttpError({ status: 400, code: 'context_length_exceeded', message: 'too long' }).hint).toContain(
      'context_tokens',
    );
    expect(classifyHttpError({ status: 429, message: 'Rate limit reached' }).retryable).toBe(true);
    expect(classifyHttpError({ status: 429, type: 'insufficient_quota', message: 'x' }).retryable).toBe(false);
    expect(classifyHttpError({ status: 503, message: 'busy' }).retryable).toBe(true);
  });

  it('5 consecutive failed tool calls end the run with the reason (exit 4), not the step limit', async () => {
    for (let i = 0; i < 12; i++) server.push({ tool_calls: [{ name: 'sed', arguments: '{"path": "a.txt", "scr' }] });
    const res = await exec();
    expect(res.code).toBe(4);
    expect(server.requests).toHaveLength(5);
    const end = parseJsonl(res.stdout).at(-1);
    expect(end).toMatchObject({ type: 'run_end', status: 'limit' });
    expect(String(end?.reason)).toMatch(/^5 tool calls in a row failed \(last: sed: /);
  }, 30_000);

  it('the cap is configurable and a success resets the count', async () => {
    userConfig({ max_tool_errors: 2 });
    const bad = { tool_calls: [{ name: 'nope', arguments: {} }] };
    const good = { tool_calls: [{ name: 'sed', arguments: { path: 'a.txt', script: '1p' } }] };
    server.push(bad, good, bad, good, bad, bad, { text: 'never' });
    const res = await exec();
    expect(res.code).toBe(4);
    expect(server.requests).toHaveLength(6);
  }, 30_000);

  it('the idle watchdog and the retry budget come from the config', async () => {
    userConfig({ model_idle_timeout_s: 1, model_retries: 1 });
    server.push({ text: 'starting a long answer', stallAfter: 2 }, { text: 'again', stallAfter: 2 }, { text: 'x' });
    const started = performance.now();
    const res = await exec();
    expect(res.code).toBe(3);
    expect(server.requests).toHaveLength(2);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(String(parseJsonl(res.stdout).at(-1)?.reason)).toContain('no data for 1 s');
  }, 30_000);
});
