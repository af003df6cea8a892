import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJsonl, runCli, sessionsDir } from '../support/cli.js';
import { makeTempHome, makeTempRepo } from '../support/repo.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

const CANARY_KEY = 'sk-canary-4f9d2c7e1b0a';

let server: ScriptedServer;
let repo: { dir: string; cleanup: () => void };
let home: ReturnType<typeof makeTempHome>;

beforeEach(async () => {
  server = await startScriptedServer();
  home = makeTempHome();
  repo = makeTempRepo({
    'src/greet.js': 'export function greet(name) {\n  return "Hello, " + nme;\n}\n',
    'docs/notes.md': 'greet is used by the CLI\n',
  });
});

afterEach(async () => {
  await server.close();
  repo.cleanup();
  home.cleanup();
});

const env = () => ({
  ...home.env,
  OPENAI_BASE_URL: server.baseURL,
  OPENAI_API_KEY: CANARY_KEY,
  SEDGE_MODEL: 'scripted-model',
});

describe('sedge exec --json --yes against an OpenAI-compatible server', () => {
  it('completes a shell/grep/sed/think trajectory and prints valid JSONL ending in run_end', async () => {
    server.push(
      {
        text: 'Searching first.',
        argChunk: 4,
        tool_calls: [
          { name: 'grep', arguments: { pattern: 'nme', path: 'src' } },
          { name: 'shell', arguments: { command: 'git status --short && ls src' } },
        ],
      },
      { argChunk: 2, tool_calls: [{ name: 'sed', arguments: { path: 'src/greet.js', script: '1,3p' } }] },
      { tool_calls: [{ name: 'think', arguments: { thought: 'Typo: nme should be name.' } }] },
      { argChunk: 5, tool_calls: [{ name: 'sed', arguments: { path: 'src/greet.js', script: 's/ nme;/ name;/' } }] },
      {
        tool_calls: [
          {
            name: 'shell',
            arguments: { command: "node -e \"import('./src/greet.js').then(m => console.log(m.greet('Ada')))\"" },
          },
        ],
      },
      { text: 'Fixed the typo in greet.' },
    );
    const res = await runCli(['exec', '--json', '--yes', 'fix greet'], { cwd: repo.dir, env: env() });
    expect(res.stderr).not.toContain('internal error');
    expect(res.code).toBe(0);
    const events = parseJsonl(res.stdout);
    expect(events[0]).toMatchObject({ type: 'run_start', version: 1, model: 'scripted-model' });
    expect(events.at(-1)).toMatchObject({ type: 'run_end', status: 'done' });
    const ends = events.filter((e) => e.type === 'tool_end') as {
      name: string;
      output: string;
      is_error: boolean;
      data?: { diff?: string };
    }[];
    expect(ends.map((e) => e.name)).toEqual(['grep', 'shell', 'sed', 'think', 'sed', 'shell']);
    expect(ends.filter((e) => e.is_error).map((e) => e.output)).toEqual([]);
    expect(ends[0]?.output).toContain('src/greet.js:2:');
    expect(ends[2]?.output).toContain('return "Hello, " + nme;');
    expect(ends[4]?.data?.diff).toContain('+  return "Hello, " + name;');
    expect(ends[5]?.output).toContain('Hello, Ada');
    expect(readFileSync(join(repo.dir, 'src/greet.js'), 'utf8')).toContain('+ name;');
    // the key went to the server and nowhere else
    expect(server.authHeaders[0]).toBe(`Bearer ${CANARY_KEY}`);
    const sessionFiles = readdirSync(sessionsDir(home.env));
    expect(sessionFiles).toHaveLength(1);
    const session = readFileSync(join(sessionsDir(home.env), sessionFiles[0] ?? ''), 'utf8');
    expect(session).not.toContain(CANARY_KEY);
    expect(res.stdout + res.stderr).not.toContain(CANARY_KEY);
    expect(parseJsonl(session).map((e) => e.type)).toEqual(events.map((e) => e.type));
    expect(events[0]?.session_id).toBe(sessionFiles[0]?.replace(/\.jsonl$/, ''));
  });

  it('returns a clear error to the model for each bad call and carries on', async () => {
    // six failures in a row on purpose: lift the consecutive-error cap (default 5) for this run
    mkdirSync(join(home.env.XDG_CONFIG_HOME, 'sedge'), { recursive: true });
    writeFileSync(join(home.env.XDG_CONFIG_HOME, 'sedge', 'config.json'), '{"max_tool_errors": 10}');
    server.push(
      {
        tool_calls: [
          { name: 'shell', arguments: '{"command": "ls"' },
          { name: 'rm_rf', arguments: {} },
        ],
      },
      { tool_calls: [{ name: 'sed', arguments: { path: 'src/greet.js' } }] },
      { tool_calls: [{ name: 'sed', arguments: { path: 'src/greet.js', script: 's/goodbye/hello/' } }] },
      { tool_calls: [{ name: 'sed', arguments: { path: '../../etc/passwd', script: '1p' } }] },
      { tool_calls: [{ name: 'shell', arguments: { command: 'sleep 20', timeout_s: 1 } }] },
      { tool_calls: [{ name: 'shell', arguments: { command: 'read -p "name? " answer; echo "got [$answer]"' } }] },
      {
        tool_calls: [
          {
            name: 'shell',
            arguments: {
              command: `node -e "process.stdout.write(require('fs').readFileSync('/dev/tty', 'utf8'))"`,
              timeout_s: 60,
            },
          },
        ],
      },
      { tool_calls: [{ name: 'shell', arguments: { command: 'echo still-alive' } }] },
      { text: 'done' },
    );
    const res = await runCli(['exec', '--json', '--yes', '--no-verify', 'try things'], { cwd: repo.dir, env: env() });
    expect(res.code).toBe(0);
    const events = parseJsonl(res.stdout);
    const out = events.filter((e) => e.type === 'tool_end').map((e) => e as { output: string; is_error: boolean });
    expect(out[0]?.output).toMatch(/not valid JSON/);
    expect(out[1]?.output).toMatch(/Unknown tool `rm_rf`/);
    expect(out[2]?.output).toMatch(/missing required field `script`/);
    expect(out[3]?.output).toMatch(/s\/goodbye\/hello\/.*matched no line in src\/greet\.js/);
    expect(out[4]?.output).toMatch(/outside the workspace/);
    expect(out[5]?.output).toMatch(/timed out after 1 s/);
    expect(out[6]?.output).toMatch(/got \[\]/); // stdin is closed: read gets EOF at once
    // unconfined, a read of /dev/tty is caught waiting; in the sandbox (no controlling terminal) it fails at once
    expect(out[7]?.output).toMatch(/waiting for input|no such device or address/i);
    expect(out[8]?.output).toMatch(/still-alive/);
    expect(out.slice(0, 6).every((o, i) => i === 5 || o.is_error)).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'run_end', status: 'done' });
    expect(readFileSync(join(repo.dir, 'src/greet.js'), 'utf8')).toContain('+ nme;');
  });

  it('maps outcomes to exit codes', async () => {
    // model/provider error -> 3
    server.push({ error: { status: 401, message: 'invalid api key' } });
    const auth = await runCli(['exec', 'x'], { cwd: repo.dir, env: env() });
    expect(auth.code).toBe(3);
    expect(auth.stderr).toMatch(/HTTP 401.*check OPENAI_API_KEY/);
    // a limit -> 4
    server.push(
      { tool_calls: [{ name: 'think', arguments: { thought: 'a' } }] },
      { tool_calls: [{ name: 'think', arguments: { thought: 'b' } }] },
    );
    const limit = await runCli(['exec', '--max-steps', '1', 'x'], { cwd: repo.dir, env: env() });
    expect(limit.code).toBe(4);
    // usage errors -> 2, with a specific message
    const noTask = await runCli(['exec'], { cwd: repo.dir, env: env() });
    expect(noTask.code).toBe(2);
    expect(noTask.stderr).toMatch(/missing TASK/);
    const badFlag = await runCli(['exec', '--max-steps', 'many', 'x'], { cwd: repo.dir, env: env() });
    expect(badFlag.code).toBe(2);
    const noKey = await runCli(['exec', 'x'], { cwd: repo.dir, env: { ...home.env } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/OPENAI_API_KEY/);
  });

  it('reads the task from stdin only when it is -, and prints the answer on stdout in text mode', async () => {
    server.push((req) => ({ text: `You said: ${String(req.messages.at(-1)?.content).split('\n').at(-2)}` }));
    const res = await runCli(['exec', '--no-verify', '-'], { cwd: repo.dir, env: env(), stdin: 'task from stdin\n' });
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe('You said: task from stdin');
    expect(res.stderr).toMatch(/done/);
  });

  it('says in text progress which sandbox the unasked tool calls run in (never a stale "no sandbox")', async () => {
    server.push({ text: 'nothing to do' }, { text: 'nothing to do' });
    const off = await runCli(['exec', '--no-verify', '--sandbox', 'off', 'look'], { cwd: repo.dir, env: env() });
    expect(off.code).toBe(0);
    expect(off.stderr).not.toMatch(/no sandbox yet/);
    expect(off.stderr).toMatch(/tool calls run without asking; sandbox: .*off|unconfined/);
    const on = await runCli(['exec', '--no-verify', 'look'], { cwd: repo.dir, env: env() });
    if (on.code === 2) return; // no usable sandbox on this machine: exec refused (tested in tests/exec)
    expect(on.stderr).not.toMatch(/no sandbox yet/);
    expect(on.stderr).toMatch(/tool calls run without asking; sandbox: /);
  });

  it('scrubs the endpoint key from every event, even when a command prints it', async () => {
    server.push(
      { tool_calls: [{ name: 'shell', arguments: { command: `echo leaked ${CANARY_KEY}` } }] },
      { text: `the key was ${CANARY_KEY}` },
    );
    const res = await runCli(['exec', '--json', '--no-verify', 'x'], { cwd: repo.dir, env: env() });
    expect(res.code).toBe(0);
    expect(res.stdout).not.toContain(CANARY_KEY);
    expect(res.stdout).toContain('leaked [REDACTED]');
    const files = readdirSync(sessionsDir(home.env));
    expect(readFileSync(join(sessionsDir(home.env), files[0] ?? ''), 'utf8')).not.toContain(CANARY_KEY);
  });

  it('never loads Ink or React in headless mode', async () => {
    server.push({ tool_calls: [{ name: 'shell', arguments: { command: 'true' } }] }, { text: 'ok' });
    const logFile = join(home.dir, 'modules.log');
    const hook = join(__dirname, '..', 'support', 'module-log.mjs');
    const res = await runCli(['exec', '--json', '--no-verify', 'x'], {
      cwd: repo.dir,
      env: { ...env(), NODE_OPTIONS: `--import=${hook}`, SEDGE_MODULE_LOG: logFile },
    });
    expect(res.code).toBe(0);
    const loaded = readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
    expect(loaded.some((u) => u.includes('/dist/bin/'))).toBe(true);
    expect(loaded.filter((u) => /node_modules\/(ink|react|yoga-layout)\//.test(u))).toEqual([]);
  });

  it('replays a scripted model offline with --model replay:FILE', async () => {
    const script = join(repo.dir, 'script.jsonl');
    writeFileSync(
      script,
      `${JSON.stringify({ tool_calls: [{ name: 'shell', arguments: { command: 'echo replayed' } }] })}\n${JSON.stringify({ text: 'bye' })}\n`,
    );
    const res = await runCli(['exec', '--json', '--no-verify', '--model', `replay:${script}`, 'x'], {
      cwd: repo.dir,
      env: { ...home.env },
    });
    expect(res.code).toBe(0);
    const events = parseJsonl(res.stdout);
    expect(events.find((e) => e.type === 'tool_end')).toMatchObject({ output: expect.stringContaining('replayed') });
    const missing = await runCli(['exec', '--model', 'replay:nope.jsonl', 'x'], {
      cwd: repo.dir,
      env: { ...home.env },
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read replay file/);
  });
});
