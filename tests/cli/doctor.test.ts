import { createServer as createNetServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

const KEY = 'sk-doctor-test-5e1f0c2a';
let server: ScriptedServer;
let home: TempHome;
let repo: { dir: string; cleanup: () => void };

beforeAll(async () => {
  server = await startScriptedServer();
  home = makeTempHome();
  repo = makeTempRepo({ 'a.txt': 'one\n' });
});
afterAll(async () => {
  await server.close();
  repo.cleanup();
  home.cleanup();
});

interface Report {
  ready: boolean;
  checks: { name: string; ok: boolean; verdict?: string; detail: string }[];
}

async function doctor(baseURL: string, extra: string[] = [], key = KEY) {
  const env = { ...home.env, OPENAI_BASE_URL: baseURL, OPENAI_API_KEY: key, SEDGE_MODEL: 'scripted-model' };
  const json = await runCli(['doctor', '--json', ...extra], { cwd: repo.dir, env });
  const text = await runCli(['doctor', ...extra], { cwd: repo.dir, env });
  const report = JSON.parse(json.stdout) as Report;
  const endpoint = report.checks.find((c) => c.name === 'model endpoint');
  return { code: json.code, textCode: text.code, text: text.stdout, report, endpoint };
}

/** A port nothing listens on: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('sedge doctor checks the endpoint with a real request', () => {
  it('200 and the model listed: ready, exit 0', async () => {
    server.fail = null;
    server.models = ['other-model', 'scripted-model'];
    const r = await doctor(server.baseURL);
    expect(r.endpoint).toMatchObject({ ok: true, verdict: 'ok' });
    expect(r.endpoint?.detail).toContain('model scripted-model exists');
    expect(r.report.ready).toBe(true);
    expect([r.code, r.textCode]).toEqual([0, 0]);
    expect(r.text).toMatch(/✓ model endpoint/);
    expect(server.hits).toContain('GET /v1/models');
  });

  it('401: bad key, exit 1, and the key is never printed', async () => {
    server.fail = { status: 401, message: 'Incorrect API key provided' };
    const r = await doctor(server.baseURL);
    expect(r.endpoint).toMatchObject({ ok: false, verdict: 'bad_key' });
    expect(r.endpoint?.detail).toContain('key was refused');
    expect([r.code, r.textCode]).toEqual([1, 1]);
    expect(JSON.stringify(r.report) + r.text).not.toContain(KEY);
  });

  it('404: unknown model, from the model list or from a one-token completion', async () => {
    server.fail = null;
    server.models = ['gpt-other'];
    const listed = await doctor(server.baseURL);
    expect(listed.endpoint).toMatchObject({ ok: false, verdict: 'unknown_model' });
    expect(listed.endpoint?.detail).toContain('gpt-other');
    expect(listed.code).toBe(1);

    server.fail = { status: 404, message: 'The model `scripted-model` does not exist' };
    const hits = server.hits.length;
    const answered = await doctor(server.baseURL);
    expect(answered.endpoint).toMatchObject({ ok: false, verdict: 'unknown_model' });
    expect(answered.code).toBe(1);
    expect(server.hits.slice(hits)).toContain('POST /v1/chat/completions');
    server.fail = null;
  });

  it('a closed port: connection refused, exit 1', async () => {
    const r = await doctor(`http://127.0.0.1:${await closedPort()}/v1`);
    expect(r.endpoint).toMatchObject({ ok: false, verdict: 'connection_refused' });
    expect(r.code).toBe(1);
  });

  it('https to a plain-HTTP port: TLS error', async () => {
    const port = Number(new URL(server.url).port);
    const r = await doctor(`https://127.0.0.1:${port}/v1`);
    expect(r.endpoint).toMatchObject({ ok: false, verdict: 'tls_error' });
    expect(r.code).toBe(1);
  });

  it('a server that never answers: timeout within --timeout', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent: Server = createNetServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const { port } = silent.address() as AddressInfo;
      const r = await doctor(`http://127.0.0.1:${port}/v1`, ['--timeout', '0.5']);
      expect(r.endpoint).toMatchObject({ ok: false, verdict: 'timeout' });
      expect(r.code).toBe(1);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('no key and no base URL: says so without a request, exit 1', async () => {
    const r = await runCli(['doctor', '--json'], { cwd: repo.dir, env: { ...home.env, SEDGE_MODEL: 'x' } });
    const report = JSON.parse(r.stdout) as Report;
    expect(report.checks.find((c) => c.name === 'model endpoint')).toMatchObject({ ok: false, verdict: 'no_key' });
    expect(r.code).toBe(1);
  });
});
