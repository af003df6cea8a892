import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findBwrap } from '../../src/exec/sandbox.js';
import { BIN, parseJsonl, runCli, sessionsDir } from '../support/cli.js';
import { makeTempHome, makeTempRepo } from '../support/repo.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

const hasBwrap = findBwrap('/nonexistent') !== null;
if (!hasBwrap && process.env.CI !== 'true') console.warn('sandboxed exec tests skipped: bubblewrap is not installed');
const withSandbox = hasBwrap || process.env.CI === 'true' ? it : it.skip;

const CANARY = {
  github: 'ghp_CANARY1234567890abcdefghijklmnopqrstuv',
  aws: 'AKIACANARY1234567890',
  npm: 'npm_CANARY0123456789abcdefghijklmnopqrstu',
  password: 'CANARYhunter2pw',
};

let server: ScriptedServer;
let repo: { dir: string; cleanup: () => void };
let home: ReturnType<typeof makeTempHome>;

beforeEach(async () => {
  server = await startScriptedServer();
  home = makeTempHome();
  repo = makeTempRepo({ 'README.md': 'x marks the spot\n', 'creds.txt': `aws_key = ${CANARY.aws}\n` });
});
afterEach(async () => {
  await server.close();
  repo.cleanup();
  home.cleanup();
});

const env = (extra: Record<string, string> = {}) => ({
  ...home.env,
  OPENAI_BASE_URL: server.baseURL,
  OPENAI_API_KEY: 'x',
  SEDGE_MODEL: 'scripted-model',
  ...extra,
});

function allFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

describe('sedge exec and the sandbox', () => {
  it('refuses to run without a usable sandbox: exit 2, a message naming --sandbox off, no model request', async () => {
    server.push({ text: 'never asked' });
    const res = await runCli(['exec', '--json', 'do it'], {
      cwd: repo.dir,
      env: env({ SEDGE_BWRAP: '/nonexistent/bwrap', SEDGE_SANDBOX: '' }),
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/no usable sandbox/);
    expect(res.stderr).toContain('--sandbox off');
    expect(res.stdout).toBe('');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses with exit 2 when the sandbox fails its probe, before any command the model asked for runs', async () => {
    // bwrap is there but cannot start (no user namespaces, say): found when the model first answers
    server.push({ tool_calls: [{ name: 'shell', arguments: { command: 'echo ran > ran.txt' } }] }, { text: 'done' });
    const res = await runCli(['exec', '--json', '--no-verify', 'do it'], {
      cwd: repo.dir,
      env: env({ SEDGE_BWRAP: '/bin/false', SEDGE_SANDBOX: '' }),
    });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(/no usable sandbox: bubblewrap cannot start a sandbox here/);
    expect(res.stderr).toContain('--sandbox off');
    const events = parseJsonl(res.stdout);
    expect(events.some((e) => e.type === 'tool_start')).toBe(false);
    expect(events.find((e) => e.type === 'error')).toMatchObject({ source: 'sandbox', fatal: true });
    expect(events.at(-1)).toMatchObject({ type: 'run_end', status: 'failed' });
    expect(existsSync(join(repo.dir, 'ran.txt'))).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('runs unconfined only when told so with --sandbox off, and says so', async () => {
    server.push({ tool_calls: [{ name: 'shell', arguments: { command: 'echo ran' } }] }, { text: 'done' });
    const res = await runCli(['exec', '--json', '--no-verify', '--sandbox', 'off', 'do it'], {
      cwd: repo.dir,
      env: env({ SEDGE_BWRAP: '/nonexistent/bwrap' }),
    });
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/--sandbox off: .*unconfined/);
  });

  withSandbox('keeps secrets out of the shell and canaries out of the session, stdout and saved outputs', async () => {
    const big = 'y'.repeat(60_000);
    server.push(
      {
        tool_calls: [{ name: 'shell', arguments: { command: 'env; cat creds.txt; echo "gh=${GITHUB_TOKEN-unset}"' } }],
      },
      { tool_calls: [{ name: 'shell', arguments: { command: `cat creds.txt; printf '${big}'` } }] },
      { tool_calls: [{ name: 'think', arguments: { thought: `the password is ${CANARY.password}` } }] },
      { text: 'x marks the spot' },
    );
    const res = await runCli(['exec', '--json', '--no-verify', 'look around'], {
      cwd: repo.dir,
      env: env({ GITHUB_TOKEN: CANARY.github, NPM_TOKEN: CANARY.npm, AWS_SECRET_ACCESS_KEY: `${CANARY.aws}xyz` }),
    });
    expect(res.code, res.stderr).toBe(0);
    // what the model saw of `env`: no secret variable at all
    const toolMessage = JSON.stringify(server.requests[1]?.messages.at(-1));
    expect(toolMessage).toContain('gh=unset');
    for (const c of [CANARY.github, CANARY.npm, `${CANARY.aws}xyz`]) expect(toolMessage).not.toContain(c);
    // what was printed and written: redacted (the key is the dummy "x", which must not mask every x)
    const written = [
      res.stdout,
      ...allFiles(sessionsDir(home.env)).map((f) => readFileSync(f, 'utf8')),
      ...allFiles(join(home.env.XDG_STATE_HOME, 'sedge', 'outputs')).map((f) => readFileSync(f, 'utf8')),
      ...allFiles(home.env.XDG_CACHE_HOME).map((f) => readFileSync(f, 'utf8')),
    ];
    expect(allFiles(join(home.env.XDG_STATE_HOME, 'sedge', 'outputs')).length).toBeGreaterThan(0);
    for (const text of written) for (const c of Object.values(CANARY)) expect(text).not.toContain(c);
    const end = parseJsonl(res.stdout).at(-1);
    expect(end).toMatchObject({ type: 'run_end', final_text: 'x marks the spot' });
  });

  withSandbox('hands a variable to commands only when named with --env', async () => {
    const cmd = 'echo "v=${MY_SETTING-unset}"';
    server.push({ tool_calls: [{ name: 'shell', arguments: { command: cmd } }] }, { text: 'done' });
    server.push({ tool_calls: [{ name: 'shell', arguments: { command: cmd } }] }, { text: 'done' });
    const e = env({ MY_SETTING: 'plain-value' });
    await runCli(['exec', '--json', '--no-verify', 'look'], { cwd: repo.dir, env: e });
    await runCli(['exec', '--json', '--no-verify', '--env', 'MY_SETTING', 'look'], { cwd: repo.dir, env: e });
    const seen = server.requests.map((r) => JSON.stringify(r.messages.at(-1)));
    expect(seen[1]).toContain('v=unset');
    expect(seen[3]).toContain('v=plain-value');
  });

  withSandbox('kill -9 of sedge leaves no process of its sandbox behind', async () => {
    const marker = `sedge-orphan-cli-${process.pid}-${Date.now()}`;
    server.push({
      tool_calls: [
        { name: 'shell', arguments: { command: `(exec -a ${marker} sleep 300) & exec -a ${marker}-fg sleep 300` } },
      ],
    });
    const child = spawn(process.execPath, [BIN, 'exec', '--json', '--no-verify', 'hang'], {
      cwd: repo.dir,
      env: { PATH: process.env.PATH ?? '', ...env() },
      stdio: 'ignore',
    });
    const deadline = Date.now() + 30_000;
    while (findByMarker(marker).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(findByMarker(marker).length).toBe(2);
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    const gone = Date.now() + 10_000;
    while (findByMarker(marker).length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
    expect(findByMarker(marker)).toEqual([]);
  });

  withSandbox('runs the test gate (baseline and checks) in the same sandbox, its log redacted', async () => {
    const outside = realpathSync(mkdtempSync(join(tmpdir(), 'sedge-outside-')));
    writeFileSync(join(outside, 'target'), 'orig\n');
    mkdirSync(join(home.dir, '.ssh'), { recursive: true });
    writeFileSync(join(home.dir, '.ssh', 'id_rsa'), 'CANARY-SSH\n');
    try {
      server.push({ text: 'done' });
      const testCmd = `echo pwned > ${outside}/target; cat ~/.ssh/id_rsa; cat creds.txt; echo ok`;
      const res = await runCli(['exec', '--json', '--test-cmd', testCmd, 'finish'], { cwd: repo.dir, env: env() });
      expect(readFileSync(join(outside, 'target'), 'utf8')).toBe('orig\n');
      const logs = allFiles(join(home.env.XDG_STATE_HOME, 'sedge', 'test-runs'));
      expect(logs.length, res.stderr).toBeGreaterThan(0);
      for (const f of logs) {
        const text = readFileSync(f, 'utf8');
        expect(text).not.toContain('CANARY-SSH');
        expect(text).not.toContain(CANARY.aws);
      }
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

function findByMarker(marker: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').startsWith(marker)) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}
