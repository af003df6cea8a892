import { existsSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runExecCommand as runExec } from '../../src/cli/exec-command.js';
import { runCli } from '../support/cli.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

let server: ScriptedServer;
let home: TempHome;
let repo: { dir: string; cleanup: () => void };
const env = () => ({
  ...home.env,
  OPENAI_BASE_URL: server.baseURL,
  OPENAI_API_KEY: 'sk-exec-text-test-1234',
  SEDGE_MODEL: 'scripted-model',
});

beforeEach(async () => {
  server = await startScriptedServer();
  home = makeTempHome();
  repo = makeTempRepo({
    // a TAP runner with one test that always fails
    'test.sh': "printf 'TAP version 13\\nok 1 - subtracts\\nnot ok 2 - adds two numbers\\n1..2\\n'\nexit 1\n",
  });
});
afterEach(async () => {
  await server.close();
  repo.cleanup();
  home.cleanup();
});

describe('sedge exec text mode when the gate fails', () => {
  it('names the failing tests, prints the full log path, and ends with the round count it printed', async () => {
    // each round edits a file (so the gate runs) without fixing the test
    server.push(
      { tool_calls: [{ name: 'shell', arguments: { command: 'echo one >> notes.txt' } }] },
      { text: 'I think it is fixed.' },
      { tool_calls: [{ name: 'shell', arguments: { command: 'echo two >> notes.txt' } }] },
      { text: 'Fixed now, surely.' },
    );
    const r = await runCli(['exec', '--test-cmd', 'sh test.sh', '--verify-rounds', '1', 'fix adds'], {
      cwd: repo.dir,
      env: env(),
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('failing: adds two numbers');
    const log = /full log: (\S+)/.exec(r.stderr)?.[1];
    expect(log, r.stderr).toBeTruthy();
    expect(existsSync(log as string)).toBe(true);
    const rounds = [...r.stderr.matchAll(/tests round (\d+)/g)].map((m) => Number(m[1]));
    expect(rounds).toEqual([1, 2]);
    const end = r.stderr.split('\n').find((l) => l.startsWith('tests_failed'));
    expect(end).toMatch(/after 2 test round\(s\)/);
  });
});

describe('an interrupted command', () => {
  it('shows how long it really ran', async () => {
    server.push({ tool_calls: [{ name: 'shell', arguments: { command: 'echo started; sleep 30' } }] });
    const signals = new EventEmitter();
    const stderr = new PassThrough();
    let text = '';
    let startedAt = 0;
    let interruptedAt = 0;
    stderr.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      if (!startedAt && text.includes('sleep 30')) startedAt = performance.now();
    });
    const stdout = new PassThrough();
    stdout.on('data', () => undefined);
    const stdin = new PassThrough();
    stdin.end();
    // interrupt once the command's output arrives (it is running), after a measurable while
    const watch = setInterval(() => {
      if (startedAt && !interruptedAt && performance.now() - startedAt > 700) {
        interruptedAt = performance.now();
        signals.emit('SIGINT');
      }
    }, 20);
    try {
      const code = await runExec(['--no-verify', 'wait for it'], {
        stdout,
        stderr,
        stdin,
        env: env(),
        cwd: repo.dir,
        signals,
      });
      expect(code).toBe(130);
    } finally {
      clearInterval(watch);
    }
    const card = text.split('\n').find((l) => l.includes('interrupted: the command was stopped')) ?? '';
    const shown = /· (\d+(?:\.\d+)?) (ms|s)$/.exec(card.trim());
    expect(shown, text).not.toBeNull();
    const ms = Number(shown?.[1]) * (shown?.[2] === 's' ? 1000 : 1);
    expect(ms).toBeGreaterThanOrEqual(interruptedAt - startedAt - 100);
  });
});

describe('the user config', () => {
  it('a test key in the user config is the command the gate runs', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    mkdirSync(join(home.env.XDG_CONFIG_HOME, 'sedge'), { recursive: true });
    writeFileSync(join(home.env.XDG_CONFIG_HOME, 'sedge', 'config.json'), JSON.stringify({ test: 'sh ok.sh' }));
    writeFileSync(join(repo.dir, 'ok.sh'), "printf 'ok 1 - works\\n1..1\\n'\n");
    server.push({ text: 'done' });
    const r = await runCli(['exec', '--json', 'run the tests'], { cwd: repo.dir, env: env() });
    expect(r.code, r.stderr).toBe(0);
    const result = r.stdout.split('\n').find((l) => l.includes('"verify_result"')) ?? '';
    expect(JSON.parse(result)).toMatchObject({ command: 'sh ok.sh', ok: true, passed: 1 });
  });
});
