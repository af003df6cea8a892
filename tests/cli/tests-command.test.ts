import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runTestsCommand } from '../../src/cli/tests-command.js';
import { fixtureRepo } from '../repo/fixture-repo.js';
import { needTool } from '../support/need-tool.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function run(argv: string[], cwd: string, extraEnv: Record<string, string> = {}) {
  const state = mkdtempSync(join(tmpdir(), 'sedge-state-'));
  cleanups.push(() => rmSync(state, { recursive: true, force: true }));
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await runTestsCommand(argv, {
    cwd,
    stdout,
    stderr,
    env: { ...process.env, XDG_STATE_HOME: state, ...extraEnv },
  });
  return { code, out, err, state };
}

function repo(name: string | null) {
  const r = fixtureRepo(name);
  cleanups.push(() => r.cleanup());
  return r;
}

describe('sedge tests', () => {
  it('a reader that went away (`sedge tests | head -1`) is no crash', async () => {
    const r = repo('node-ci');
    let writes = 0;
    const stdout = new Writable({
      write(_chunk, _enc, done) {
        writes++;
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const closed = new Promise((resolve) => stdout.on('close', resolve));
    const code = await runTestsCommand(['tests'], { cwd: r.dir, stdout, stderr: new PassThrough() });
    await closed;
    expect(code).toBe(0);
    expect(writes).toBe(1);
  });

  it('prints the detected command and why', async () => {
    const r = repo('node-ci');
    const { code, out } = await run(['tests'], r.dir);
    expect(code).toBe(0);
    expect(out).toMatch(/^npm run test:ci\n/);
    expect(out).toContain('why:    CI runs it: .github/workflows/ci.yml');
  });

  it('says plainly when nothing is found (exit 2)', async () => {
    const r = repo(null);
    const { code, out } = await run([], r.dir);
    expect(code).toBe(2);
    expect(out).toMatch(/^no test command found: /);
  });

  it('--run prints the parsed result; exit 0 when all pass, 1 when some fail', async () => {
    const r = repo('node-test');
    const green = await run(['--run'], r.dir);
    expect(green.code).toBe(0);
    expect(green.out).toContain('$ node --test');
    expect(green.out).toMatch(/PASS: 2 passed, 0 failed \(exit 0/);
    r.edit('src/calc.js', 'a + b', 'a - b');
    const red = await run(['--run'], r.dir);
    expect(red.code).toBe(1);
    expect(red.out).toMatch(/FAIL: 1 passed, 1 failed/);
    expect(red.out).toContain('  - adds');
    expect(red.out).toContain(`full output: ${join(red.state, 'sedge', 'test-runs')}`);
  });

  it('--run --json and --test-cmd', async () => {
    const r = repo(null);
    const { code, out } = await run(
      ['--run', '--json', '--test-cmd', 'echo "1..1"; echo "not ok 1 - broken"; exit 1'],
      r.dir,
    );
    expect(code).toBe(1);
    const data = JSON.parse(out) as { detection: { source: string }; result: { failing: string[]; ok: boolean } };
    expect(data.detection.source).toBe('flag');
    expect(data.result).toMatchObject({ ok: false, failing: ['broken'] });
  });

  it('rejects unknown arguments', async () => {
    const { code, err } = await run(['--bogus'], tmpdir());
    expect(code).toBe(2);
    expect(err).toContain('unknown option --bogus');
  });

  it('honours the "test" key of the repo config, and of the user config below it, as a run does', async () => {
    const r = repo('node-ci');
    const config = mkdtempSync(join(tmpdir(), 'sedge-config-'));
    cleanups.push(() => rmSync(config, { recursive: true, force: true }));
    mkdirSync(join(config, 'sedge'));
    writeFileSync(join(config, 'sedge', 'config.json'), JSON.stringify({ test: 'node --test test/' }));
    const env = { XDG_CONFIG_HOME: config };
    const user = JSON.parse((await run(['--json'], r.dir, env)).out);
    expect(user.detection).toMatchObject({ command: 'node --test test/', source: 'config' });
    expect(user.detection.reason).toContain('user config');
    r.write('.sedge/config.json', JSON.stringify({ test: 'make check' }));
    const fromRepo = JSON.parse((await run(['--json'], r.dir, env)).out);
    expect(fromRepo.detection).toMatchObject({ command: 'make check', source: 'config' });
    expect(fromRepo.detection.reason).toContain('.sedge/config.json');
  });
});

describe('sedge tests: the plan step by step (issue 10)', () => {
  it('shows each CI test job as a suite, with its setup steps, env and why', async (ctx) => {
    // the cmake job's steps are passed over where cmake and make are not installed (the CLI looks on PATH)
    if (!needTool('cmake') || !needTool('make')) return ctx.skip('cmake and make are not installed here');
    const r = repo(null);
    r.write('CMakeLists.txt', 'project(x C)\n');
    r.write('package.json', JSON.stringify({ scripts: { 'test:unit': 'node --test' } }));
    r.write(
      '.github/workflows/ci.yml',
      [
        'on: push',
        'jobs:',
        '  native:',
        '    runs-on: ubuntu-latest',
        '    env: { CTEST_OUTPUT_ON_FAILURE: 1 }',
        '    steps:',
        '      - name: Configure',
        '        run: mkdir build && cd build && cmake ..',
        '      - name: Test',
        '        working-directory: build',
        '        run: make && make test',
        '  unit:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - name: Unit tests',
        '        run: make test-unit',
        '',
      ].join('\n'),
    );
    const { code, out } = await run(['tests'], r.dir);
    expect(code).toBe(0);
    expect(out).toContain('suite 1: (mkdir -p build && cd build && cmake ..) && cd build && make && make test\n');
    expect(out).toContain(
      '  steps:\n    1. ( mkdir -p build && cd build && cmake .. )\n    2. cd build\n    3. make\n',
    );
    expect(out).toContain('  env:    CTEST_OUTPUT_ON_FAILURE=1\n');
    expect(out).toContain('suite 2: make test-unit\n');
    expect(out).toMatch(/why: {4}CI runs it: \.github\/workflows\/ci\.yml \(job unit, step Unit tests\)/);
  });
});
