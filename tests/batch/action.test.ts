import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { makeTempHome } from '../support/repo.js';
import { type ScriptedServer, startScriptedServer } from '../support/scripted-server.js';
import { gitOut, makeBatchRepo } from './fixture.js';

/**
 * action.yml's shell steps, executed the way a runner does for a composite action: each `run` through
 * `bash --noprofile --norc -eo pipefail`, ${{ inputs.* }} and ${{ github.action_path }} substituted, GITHUB_OUTPUT
 * and GITHUB_PATH files honoured between steps. The action installs from its own (built) source here.
 */
const ROOT = resolve(__dirname, '..', '..');

interface Step {
  name: string;
  id?: string;
  shell: string;
  run: string;
  env?: Record<string, string>;
  'working-directory'?: string;
}

async function runAction(inputs: Record<string, string>, opts: { workspace: string; env: Record<string, string> }) {
  const action = parseYaml(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string; required?: string }>;
    runs: { using: string; steps: Step[] };
  };
  expect(action.runs.using).toBe('composite');
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) values[name] = inputs[name] ?? spec.default ?? '';
  const expr = (s: string) =>
    s.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_m, e: string) => {
      if (e === 'github.action_path') return ROOT;
      const input = /^inputs\.([\w-]+)$/.exec(e);
      if (input) return values[input[1] as string] ?? '';
      throw new Error(`unexpected expression in action.yml: ${e}`);
    });
  const temp = mkdtempSync(join(tmpdir(), 'sedge-runner-'));
  const outputFile = join(temp, 'output');
  const pathFile = join(temp, 'path');
  writeFileSync(outputFile, '');
  writeFileSync(pathFile, '');
  const codes: number[] = [];
  for (const step of action.runs.steps) {
    expect(step.shell).toBe('bash');
    const extraPath = readFileSync(pathFile, 'utf8').split('\n').filter(Boolean).reverse();
    const env: Record<string, string> = {
      ...opts.env,
      PATH: [...extraPath, opts.env.PATH].join(':'),
      GITHUB_OUTPUT: outputFile,
      GITHUB_PATH: pathFile,
      RUNNER_TEMP: temp,
      GITHUB_WORKSPACE: opts.workspace,
    };
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = expr(String(v));
    const cwd = resolve(opts.workspace, expr(step['working-directory'] ?? '.'));
    const script = join(temp, `step-${codes.length}.sh`);
    writeFileSync(script, expr(step.run));
    codes.push(await bash(script, cwd, env));
    if (codes.at(-1) !== 0) break;
  }
  const outputs = parseOutputs(readFileSync(outputFile, 'utf8'));
  return { codes, outputs, temp, cleanup: () => rmSync(temp, { recursive: true, force: true }) };
}

function bash(script: string, cwd: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise(code ?? -1));
  });
}

/** GITHUB_OUTPUT: name=value lines and name<<DELIM heredocs. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const here = /^([\w-]+)<<(.+)$/.exec(line);
    if (here) {
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== here[2]) body.push(lines[i] as string);
      out[here[1] as string] = body.join('\n');
    } else if (line.includes('=')) out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  return out;
}

let server: ScriptedServer;
let home: ReturnType<typeof makeTempHome>;
let repo: { dir: string; cleanup: () => void };

beforeEach(async () => {
  server = await startScriptedServer();
  home = makeTempHome();
  repo = makeBatchRepo('action');
});
afterEach(async () => {
  await server.close();
  repo.cleanup();
  home.cleanup();
});

const env = () => ({ ...home.env, PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', SEDGE_MODEL: 'scripted-model' });

describe('action.yml (GitHub Action running sedge exec)', () => {
  it('installs, runs the task, and outputs status, exit code and a patch that applies', async () => {
    expect(existsSync(join(ROOT, 'dist')), 'run npm run build first (npm test does)').toBe(true);
    server.push(
      { tool_calls: [{ name: 'sed', arguments: { path: 'value.txt', script: 's/bad/good/' } }] },
      { text: 'value.txt says good now.' },
    );
    const run = await runAction(
      {
        task: 'make value.txt say good',
        'base-url': server.baseURL,
        'api-key': 'sk-action-secret-123456',
        'test-command': 'sh check.sh',
        'max-steps': '10',
      },
      { workspace: repo.dir, env: env() },
    );
    try {
      expect(run.codes).toEqual([0, 0]);
      expect(run.outputs).toMatchObject({ status: 'done', 'exit-code': '0' });
      expect(run.outputs.patch).toContain('+good action');
      expect(readFileSync(run.outputs['patch-file'] as string, 'utf8')).toBe(`${run.outputs.patch}\n`);
      // the key went to the endpoint and nowhere into the outputs or events
      expect(server.authHeaders[0]).toBe('Bearer sk-action-secret-123456');
      expect(readFileSync(run.outputs['events-file'] as string, 'utf8')).not.toContain('sk-action-secret');
      // the patch applies to a clean checkout; nothing was left staged in the workspace
      expect(gitOut(repo.dir, 'diff', '--cached', '--name-only')).toBe('');
      execFileSync('git', ['checkout', '--', '.'], { cwd: repo.dir });
      execFileSync('git', ['apply', run.outputs['patch-file'] as string], { cwd: repo.dir });
      expect(readFileSync(join(repo.dir, 'value.txt'), 'utf8')).toBe('good action\n');
    } finally {
      run.cleanup();
    }
  }, 120_000);

  it('a task whose tests still fail sets the outputs and fails the step (fail-on-error)', async () => {
    // the gate sends the failure back (3 verify rounds by default); the model never changes anything
    for (let i = 0; i < 4; i++) server.push({ text: 'Nothing to do.' });
    const run = await runAction(
      {
        task: 'look around',
        'base-url': server.baseURL,
        'api-key': 'sk-action-secret-123456',
        'test-command': 'sh check.sh',
      },
      { workspace: repo.dir, env: env() },
    );
    try {
      expect(run.codes).toEqual([0, 1]);
      expect(run.outputs).toMatchObject({ status: 'tests_failed', 'exit-code': '1', patch: '' });
    } finally {
      run.cleanup();
    }
  }, 120_000);
});
