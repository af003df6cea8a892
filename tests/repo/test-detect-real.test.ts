/**
 * Detection on layouts taken from real projects' CI and manifests (trimmed): the command must be the one the
 * project's own CI runs for its tests.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { commandLanguage, mainLanguage } from '../../src/repo/test-detect-lang.js';
import { detectTestCommand } from '../../src/repo/test-detect.js';
import { onPath } from '../../src/repo/test-detect-util.js';
import { needTool } from '../support/need-tool.js';
import { fixtureRepo, type FixtureRepo } from './fixture-repo.js';

const repos: FixtureRepo[] = [];
const empty = () => {
  const r = fixtureRepo(null);
  repos.push(r);
  return r;
};
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

/**
 * The machine these projects' CI assumes: their runners are installed (python, pytest, cargo), whatever this test
 * machine has; anything else is looked up for real. Detection takes the lookup as a parameter, so these tests do
 * not depend on the test machine's PATH.
 */
const RUNNERS = ['python', 'python3', 'pytest', 'cargo', 'node', 'npm'];
const ciMachine = async (exe: string) => RUNNERS.includes(exe) || (await onPath(exe));
const detect = (dir: string) => detectTestCommand(dir, { has: ciMachine });
const PY = (await ciMachine('python')) ? 'python' : 'python3';

/** Django's shape: a Python project with a package.json for its admin JavaScript (grunt + QUnit). */
function djangoLike(): FixtureRepo {
  const r = empty();
  r.write(
    'package.json',
    JSON.stringify({
      name: 'Django',
      private: true,
      scripts: { test: 'grunt test --verbose' },
      devDependencies: { grunt: '^1.6.1', qunit: '^2.20.0' },
    }),
  );
  r.write('pyproject.toml', '[project]\nname = "Django"\n[tool.black]\ntarget-version = ["py310"]\n');
  r.write('tox.ini', '[testenv]\nchangedir = tests\ncommands =\n    {envpython} runtests.py {posargs}\n');
  r.write('tests/runtests.py', 'import sys\n');
  r.write('tests/basic/tests.py', 'x = 1\n');
  for (let i = 0; i < 12; i++) r.write(`django/db/m${i}.py`, 'x = 1\n');
  for (let i = 0; i < 3; i++) r.write(`js_tests/admin/t${i}.test.js`, '');
  return r;
}

const DJANGO_CI = `name: Tests
on:
  pull_request:
  push:
    branches:
      - main
jobs:
  windows:
    runs-on: windows-latest
    name: Windows, SQLite, Python \${{ matrix.python-version }}
    steps:
      - uses: actions/checkout@v4
      - run: python -m pip install -r tests/requirements/py3.txt -e .
      - name: Run tests
        run: python -Wall tests/runtests.py -v2
  javascript-tests:
    runs-on: ubuntu-latest
    name: JavaScript tests
    steps:
      - uses: actions/checkout@v4
      - run: npm install
      - run: npm test
`;

describe('the repo main language decides between ecosystems', () => {
  it('a Python repo with a JavaScript package.json runs its Python runner, not npm test', async () => {
    const r = djangoLike();
    expect(await mainLanguage(r.dir)).toBe('python');
    expect(await detect(r.dir)).toMatchObject({
      command: `${PY} tests/runtests.py`,
      source: 'manifest',
      runner: 'unittest',
    });
  });

  it("its CI's Python test step beats the JavaScript job, even from a Windows job", async () => {
    const r = djangoLike();
    r.write('.github/workflows/tests.yml', DJANGO_CI);
    const d = await detect(r.dir);
    expect(d?.command).toMatch(/^python3? -Wall tests\/runtests\.py -v2$/);
    expect(d?.reason).toContain('job windows');
  });

  it('a JavaScript repo keeps npm test', async () => {
    const r = empty();
    r.write('package.json', JSON.stringify({ scripts: { test: 'mocha' }, devDependencies: { mocha: '*' } }));
    for (let i = 0; i < 6; i++) r.write(`lib/m${i}.js`, '');
    r.write('scripts/gen.py', '');
    expect(await mainLanguage(r.dir)).toBe('js');
    expect(await detect(r.dir)).toMatchObject({ command: 'npm test', runner: 'mocha' });
  });

  it('no clear majority: no main language', async () => {
    const r = empty();
    for (let i = 0; i < 6; i++) r.write(`a/m${i}.js`, '');
    for (let i = 0; i < 5; i++) r.write(`b/m${i}.py`, '');
    expect(await mainLanguage(r.dir)).toBeNull();
  });

  it('reads the language of a command', () => {
    expect(commandLanguage('CI=1 npm test')).toBe('js');
    expect(commandLanguage('python -Wall tests/runtests.py')).toBe('python');
    expect(commandLanguage('go test ./...')).toBe('go');
    expect(commandLanguage('make test')).toBeNull();
  });
});

describe('pytest plugin options in CI commands', () => {
  const hasModule = async (mod: string) => {
    const { execFileSync } = await import('node:child_process');
    try {
      execFileSync(PY, ['-c', `import ${mod}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };

  it('drops -n auto and --cov when pytest-xdist and pytest-cov are missing (sympy, many others)', async (ctx) => {
    // which pytest plugins are installed is asked of python itself
    if (!needTool('python3')) return ctx.skip('python3 is not installed here');
    const r = empty();
    r.write('pytest.ini', '[pytest]\n');
    r.write(
      '.github/workflows/runtests.yml',
      'name: test\non: [push, pull_request]\njobs:\n  tests-latest:\n    runs-on: ubuntu-latest\n    steps:\n' +
        '      - run: pip install -r requirements-dev.txt\n      - run: pytest -n auto --cov=sympy --cov-report xml -v\n',
    );
    const d = await detect(r.dir);
    const xdist = await hasModule('xdist');
    const cov = await hasModule('pytest_cov');
    expect(d?.command).toMatch(/^(python3? -m )?pytest /);
    expect(d?.command.includes('-n auto')).toBe(xdist);
    expect(d?.command.includes('--cov')).toBe(cov);
    expect(d?.command).toMatch(/ -v$/);
    if (!xdist) expect(d?.reason).toContain('xdist');
  });

  it('reads the option shapes of real CI commands (pylint, matplotlib, sphinx)', async (ctx) => {
    // which pytest plugins are installed is asked of python itself
    if (!needTool('python3')) return ctx.skip('python3 is not installed here');
    const { withoutMissingPytestPlugins } = await import('../../src/repo/test-detect-python.js');
    const cov = await hasModule('pytest_cov');
    const xdist = await hasModule('xdist');
    const pylint = await withoutMissingPytestPlugins('python -m pytest --durations=10 --cov --cov-report= tests/');
    if (!cov) expect(pylint.command).toBe('python -m pytest --durations=10 tests/');
    const mpl = await withoutMissingPytestPlugins(
      'python -m pytest -rfEsXR -n auto --maxfail=50 --cov-report=xml --cov=lib --log-level=DEBUG',
    );
    if (!cov && !xdist) expect(mpl.command).toBe('python -m pytest -rfEsXR --maxfail=50 --log-level=DEBUG');
    const sphinx = await withoutMissingPytestPlugins('python -m pytest -n logical --dist=worksteal -vv --durations 25');
    if (!xdist) expect(sphinx).toEqual({ command: 'python -m pytest -vv --durations 25', missing: ['xdist'] });
  });

  it('leaves commands without plugin options alone', async () => {
    const { withoutMissingPytestPlugins } = await import('../../src/repo/test-detect-python.js');
    expect(await withoutMissingPytestPlugins('python -m pytest tests -x')).toEqual({
      command: 'python -m pytest tests -x',
      missing: [],
    });
    expect(await withoutMissingPytestPlugins('go test -n ./...')).toEqual({ command: 'go test -n ./...', missing: [] });
  });
});

describe('old CI files', () => {
  it('passes over `python setup.py test` (removed from setuptools) for the configured pytest', async () => {
    const r = empty();
    r.write('setup.cfg', '[tool:pytest]\ntestpaths = tests\n');
    r.write('.travis.yml', 'language: python\ninstall:\n  - pip install -e .\nscript:\n  - python setup.py test\n');
    expect(await detect(r.dir)).toMatchObject({ command: `${PY} -m pytest`, source: 'manifest' });
  });

  it('takes a Travis script that runs pytest', async () => {
    const r = empty();
    r.write('setup.py', 'from setuptools import setup\nsetup()\n');
    r.write('.travis.yml', 'language: python\ninstall:\n  - pip install -e .\nscript:\n  - py.test -v tests\n');
    const d = await detect(r.dir);
    expect(d?.source).toBe('ci');
    expect(d?.command).toMatch(/(py\.test|pytest) -v tests$/);
  });
});

describe('Rust', () => {
  it("reads ${{ env.X }} from the workflow's env (ripgrep's CI)", async () => {
    const r = empty();
    r.write('Cargo.toml', '[package]\nname = "ripgrep"\n[workspace]\nmembers = ["crates/*"]\n');
    r.write(
      '.github/workflows/ci.yml',
      [
        'name: ci',
        'on:',
        '  pull_request:',
        'jobs:',
        '  test:',
        '    name: test',
        '    env:',
        '      CARGO: cargo',
        '      TARGET_FLAGS:',
        '    runs-on: ${{ matrix.os }}',
        '    steps:',
        '    - name: Build ripgrep and all crates',
        '      run: ${{ env.CARGO }} build --verbose --workspace ${{ env.TARGET_FLAGS }}',
        '    - name: Run tests with PCRE2 (sans cross)',
        '      run: ${{ env.CARGO }} test --verbose --workspace --features pcre2 ${{ env.TARGET_FLAGS }}',
        '    - name: Uses a matrix value',
        '      run: ${{ env.CARGO }} test --target ${{ matrix.target }}',
        '',
      ].join('\n'),
    );
    expect(await detect(r.dir)).toMatchObject({
      command: 'cargo test --verbose --workspace --features pcre2',
      source: 'ci',
      runner: 'cargo',
    });
  });

  it('CI that runs cargo nextest falls back to cargo test when cargo-nextest is not installed', async () => {
    const r = empty();
    r.write('Cargo.toml', '[package]\nname = "x"\nversion = "0.1.0"\n');
    r.write(
      '.github/workflows/ci.yml',
      'on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: cargo nextest run --workspace\n',
    );
    const d = await detect(r.dir);
    if (await onPath('cargo-nextest'))
      expect(d).toMatchObject({ command: 'cargo nextest run --workspace', source: 'ci' });
    else expect(d).toMatchObject({ command: 'cargo test', source: 'manifest', runner: 'cargo' });
  });
});
