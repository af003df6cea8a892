import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, INTERACTIVE, suggestCommands } from '../../src/cli/commands.js';
import { BIN, runCli } from '../support/cli.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

const REPLAY = resolve(__dirname, '..', '..', 'examples', 'calc.replay.jsonl');
const MISSING = '/nonexistent-sedge-path/nothing.jsonl';

/** Each subcommand, and how to hand it a file or directory that does not exist. */
const CASES: { name: string; argv: string[]; missingFile: string[] }[] = [
  { name: 'interactive', argv: ['--ask'], missingFile: ['-C', MISSING, 'fix the bug'] },
  { name: 'exec', argv: ['exec'], missingFile: ['exec', '--model', `replay:${MISSING}`, 'fix the bug'] },
  { name: 'tests', argv: ['tests'], missingFile: ['tests', '-C', MISSING] },
  { name: 'traces', argv: ['traces'], missingFile: ['traces', 'replay', MISSING] },
  { name: 'doctor', argv: ['doctor'], missingFile: ['doctor', '-C', MISSING] },
];

let server: ScriptedServer;
let home: TempHome;
let repo: { dir: string; cleanup: () => void };
const env = () => ({
  ...home.env,
  OPENAI_BASE_URL: server.baseURL,
  OPENAI_API_KEY: 'sk-test-command-table',
  SEDGE_MODEL: 'scripted-model',
});
const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .+[(:]\d+/m);

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

describe('every subcommand through the one command table', () => {
  it('the table covers every mode main dispatches', () => {
    expect(COMMANDS.map((c) => c.name).sort()).toEqual(['batch', 'doctor', 'exec', 'tests', 'traces']);
  });

  for (const c of CASES) {
    it(`${c.name}: --help 0, unknown flag 2, missing file 2, one message and no stack`, async () => {
      const help = await runCli([...c.argv, '--help'], { cwd: repo.dir, env: env() });
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/^Usage: sedge/);
      const short = await runCli([...c.argv, '-h'], { cwd: repo.dir, env: env() });
      expect(short.stdout).toBe(help.stdout);

      const bad = await runCli([...c.argv, '--bogus-flag'], { cwd: repo.dir, env: env() });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/unknown option --bogus-flag\nRun 'sedge( \w+)? --help' for usage\.\n$/);
      noStack(bad.stderr);

      const missing = await runCli(c.missingFile, { cwd: repo.dir, env: env() });
      expect(missing.code, missing.stderr).toBe(2);
      expect(missing.stderr).toContain('nonexistent-sedge-path');
      expect(missing.stderr).not.toContain('internal error');
      noStack(missing.stderr);
    });
  }

  it('a bare unknown word is a command error with a suggestion, never a task sent to the model', async () => {
    const trace = await runCli(['trace', 'list'], { cwd: repo.dir, env: env() });
    expect(trace.code).toBe(2);
    expect(trace.stderr).toContain('did you mean: traces');
    const tets = await runCli(['tets'], { cwd: repo.dir, env: env() });
    expect(tets.code).toBe(2);
    expect(tets.stderr).toContain('did you mean: tests');
    for (const argv of [['bach', 'x.jsonl'], ['fix'], ['--ask', 'trace'], ['-m', 'scripted-model', 'docter']]) {
      const r = await runCli(argv, { cwd: repo.dir, env: env() });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/unknown command '\w+'/);
      noStack(r.stderr);
    }
    expect(server.hits).toEqual([]);
    // a one-word task is allowed after --: it reaches the interactive mode (which needs a terminal here)
    const dashed = await runCli(['--', 'fix'], { cwd: repo.dir, env: env() });
    expect(dashed.code).toBe(2);
    expect(dashed.stderr).toContain('interactive mode needs a terminal');
    const quoted = await runCli(['fix the flaky test'], { cwd: repo.dir, env: env() });
    expect(quoted.stderr).toContain('interactive mode needs a terminal');
    expect(server.hits).toEqual([]);
  });

  it('suggests the near command names', () => {
    expect(suggestCommands('trace')).toEqual(['traces']);
    expect(suggestCommands('tets')).toEqual(['tests']);
    expect(suggestCommands('doctr')).toEqual(['doctor']);
    expect(suggestCommands('refactor')).toEqual([]);
  });

  it('sedge --help lists every mode, every flag and where the config files live', async () => {
    const r = await runCli(['--help'], { cwd: repo.dir, env: env() });
    expect(r.code).toBe(0);
    for (const spec of [INTERACTIVE, ...COMMANDS]) {
      if (spec.name) expect(r.stdout).toContain(`sedge ${spec.name}`);
      for (const flag of Object.keys(spec.options)) expect(r.stdout, flag).toContain(`--${flag}`);
    }
    for (const flag of ['--continue', '--resume', '--ask']) expect(r.stdout).toContain(flag);
    expect(r.stdout).toContain(join(home.env.XDG_CONFIG_HOME, 'sedge', 'config.json'));
    expect(r.stdout).toContain('.sedge/config.json');
    expect(r.stdout.split('\n').every((l) => l.length <= 120)).toBe(true);
    expect((await runCli(['help', 'traces'], { cwd: repo.dir, env: env() })).stdout).toMatch(/^Usage: sedge traces/);
  });
});

/** Run the CLI with its stdout closed before it writes anything (`sedge ... | head -0`). */
function runClosed(args: string[], cwd: string, e: Record<string, string>) {
  return new Promise<{ code: number | null; stderr: string }>((done, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...e },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe('a closed stdout ends every subcommand quietly', () => {
  const runs: [string[], number][] = [
    [['--help'], 0],
    [['exec', '--help'], 0],
    [['tests', '--help'], 0],
    [['traces', '--help'], 0],
    [['doctor', '--help'], 0],
    [['traces', 'list'], 0],
    [['doctor', '--model', `replay:${REPLAY}`], 0],
    [['exec', '--json', '--no-verify', '--model', `replay:${REPLAY}`, 'fix the failing test'], 130],
  ];
  for (const [args, expected] of runs)
    it(`sedge ${args.slice(0, 2).join(' ')}`, async () => {
      const r = await runClosed(args, repo.dir, env());
      expect(r.stderr).not.toMatch(/EPIPE|internal error/);
      noStack(r.stderr);
      if (args[0] !== 'exec') expect(r.code).toBe(expected);
      else expect([0, 1, 130]).toContain(r.code);
    });
});

describe('a task from stdin', () => {
  it('is for sedge exec -; the interactive mode says so instead of sending "-" as a task', async () => {
    const r = await runCli(['-'], { cwd: repo.dir, env: env(), stdin: 'fix it\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('sedge exec -');
    expect(server.hits).toEqual([]);
  });
});
