import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectTestCommand, explainTestDetection, parseAgentsTestBlock } from '../../src/repo/test-detect.js';
import { isLintOnly, sanitizeCiCommand, splitCommands } from '../../src/repo/test-detect-shell.js';
import { toxTestCommand } from '../../src/repo/test-detect-python.js';
import { onPath, type ToolLookup } from '../../src/repo/test-detect-util.js';
import { readYaml } from '../../src/repo/test-detect-yaml.js';
import { fixtureRepo, type FixtureRepo } from './fixture-repo.js';

const repos: FixtureRepo[] = [];
const repo = (name: string | null) => {
  const r = fixtureRepo(name);
  repos.push(r);
  return r;
};
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const PY = (await onPath('python')) ? 'python' : 'python3';
/** A machine where exactly these programs are installed (detection never reads this machine's PATH here). */
const only =
  (...names: string[]): ToolLookup =>
  async (exe) =>
    names.includes(exe);

describe('detectTestCommand on the fixture repos', () => {
  const cases: [string, string, string, string][] = [
    ['node-vitest', 'npm test', 'vitest', 'manifest'],
    ['node-jest', 'npm test', 'jest', 'manifest'],
    ['node-mocha', 'npm test', 'mocha', 'manifest'],
    ['node-test', 'node --test', 'node-test', 'manifest'],
    ['node-uvu', 'npx --no uvu tests', 'uvu', 'manifest'],
    ['node-lint-only', 'npm run test:unit', 'node-test', 'manifest'],
    ['node-workspaces', 'npm test --workspaces --if-present', 'node-test', 'manifest'],
    ['node-ci', 'npm run test:ci', 'node-test', 'ci'],
    ['ava', 'npx --no ava', 'ava', 'manifest'],
    ['tap', 'npx --no tap', 'tap', 'manifest'],
    ['python-pytest', `${PY} -m pytest`, 'pytest', 'manifest'],
    ['python-unittest', `${PY} -m unittest discover -s tests -t .`, 'unittest', 'manifest'],
    ['go', 'go test ./...', 'go', 'manifest'],
    ['rust', 'cargo test', 'cargo', 'manifest'],
    ['make', 'make test', 'make', 'manifest'],
    ['bats', 'bats test', 'bats', 'manifest'],
    ['maven', 'mvn -B test', 'maven', 'manifest'],
    ['gradle', './gradlew test --console=plain', 'gradle', 'manifest'],
  ];
  it.each(cases)('%s -> %s', async (name, command, runner, source) => {
    const r = repo(name);
    const d = await detectTestCommand(r.dir);
    expect(d).toMatchObject({ command, runner, source, cwd: r.dir });
    expect(d?.reason).toBeTruthy();
  });

  it('says why the CI command was chosen', async () => {
    const d = await detectTestCommand(repo('node-ci').dir);
    expect(d?.reason).toContain('.github/workflows/ci.yml');
    expect(d?.reason).toContain('job test');
  });
});

describe('overrides', () => {
  it('--test-cmd beats everything', async () => {
    const r = repo('node-ci');
    r.write('.sedge/config.json', JSON.stringify({ test: 'make check' }));
    expect(await detectTestCommand(r.dir, { cmd: 'pytest -x' })).toMatchObject({
      command: 'pytest -x',
      source: 'flag',
      runner: 'pytest',
    });
  });

  it('a command resolved from a config file beats AGENTS.md and CI; detection itself reads no config file', async () => {
    const r = repo('node-ci');
    r.write('.sedge/config.json', JSON.stringify({ test: 'make check' }));
    r.write('AGENTS.md', '# notes\n\n```test\nnpm run test:ci\n```\n');
    const reason = '"test" in .sedge/config.json';
    expect(await detectTestCommand(r.dir, { cmd: 'make check', source: 'config', reason })).toMatchObject({
      command: 'make check',
      source: 'config',
      reason,
      runner: 'make',
    });
    // settings are resolved once, by cli/compose.ts: the file alone does not steer detection
    expect(await detectTestCommand(r.dir)).toMatchObject({ command: 'npm run test:ci', source: 'agents-md' });
  });

  it('a ```test block in AGENTS.md beats CI', async () => {
    const r = repo('node-ci');
    r.write('AGENTS.md', '# How to work here\n\nRun the tests:\n\n```test\n$ node --test test/\n```\n');
    expect(await detectTestCommand(r.dir)).toMatchObject({
      command: 'node --test test/',
      source: 'agents-md',
      runner: 'node-test',
    });
  });

  it('reads only a block tagged test', () => {
    expect(parseAgentsTestBlock('```sh\nnpm test\n```')).toBeNull();
    expect(parseAgentsTestBlock('```test\n# comment\nmake build\nmake test\n```')).toBe('make build && make test');
  });
});

describe('nothing to run', () => {
  it('says so plainly instead of inventing a command', async () => {
    const r = repo(null);
    r.write('README.md', 'hello\n');
    const { detection, why } = await explainTestDetection(r.dir);
    expect(detection).toBeNull();
    expect(why).toMatch(/no test setup/);
  });

  it('ignores the npm placeholder test script', async () => {
    const r = repo(null);
    r.write('package.json', JSON.stringify({ scripts: { test: 'echo "Error: no test specified" && exit 1' } }));
    expect(await detectTestCommand(r.dir)).toBeNull();
  });
});

describe('Ruby and PHP', () => {
  it.each([
    [{ Gemfile: "gem 'rspec'\n", '.rspec': '--require spec_helper\n' }, 'bundle exec rspec', 'rspec'],
    [{ Gemfile: "gem 'minitest'\n", Rakefile: 'Rake::TestTask.new(:test)\n' }, 'bundle exec rake test', 'minitest'],
    [{ 'composer.json': JSON.stringify({ scripts: { test: 'phpunit' } }) }, 'composer test', 'phpunit'],
    [{ 'composer.json': '{}', 'phpunit.xml.dist': '<phpunit/>' }, 'vendor/bin/phpunit', 'phpunit'],
  ])('%j -> %s', async (files, command, runner) => {
    const r = repo(null);
    for (const [name, text] of Object.entries(files)) r.write(name, text);
    expect(await detectTestCommand(r.dir)).toMatchObject({ command, runner, source: 'manifest' });
  });
});

describe('package managers', () => {
  it('uses the lockfile package manager when it is installed, else npm', async () => {
    const r = repo('node-jest');
    r.write('yarn.lock', '');
    const d = await detectTestCommand(r.dir);
    if (await onPath('yarn')) expect(d?.command).toBe('yarn test');
    else {
      expect(d?.command).toBe('npm test');
      expect(d?.reason).toContain('yarn is not installed');
    }
  });
});

describe('CI workflow commands', () => {
  it.each([
    ['npm ci && npm test', 'npm test', null],
    ['pip install -e .[test]\npytest -q tests', 'pytest -q tests', null],
    ['cd web && npm run build && npm test', 'npm run build && npm test', 'web'],
    ['go vet ./... && go test -race ./...', 'go test -race ./...', null],
    ['cargo fmt --check\ncargo clippy -- -D warnings\ncargo test --all-features', 'cargo test --all-features', null],
    ['make lint && make test', 'make test', null],
    [
      'python -m pip install -U pip\npython -m pytest tests/ \\\n  --maxfail=1',
      'python -m pytest tests/ --maxfail=1',
      null,
    ],
    ['yarn install --frozen-lockfile\nyarn test:unit --ci', 'yarn test:unit --ci', null],
    [
      'RICHGO_FORCE_COLOR=1 PATH=$HOME/go/bin/:$PATH make test',
      'RICHGO_FORCE_COLOR=1 PATH=$HOME/go/bin/:$PATH make test',
      null,
    ],
    ['timeout 600 npm test', 'timeout 600 npm test', null],
    ['mvn -B package --file pom.xml', 'mvn -B package --file pom.xml', null],
    ['./gradlew build', './gradlew build', null],
    ['bundle install\nbundle exec rspec', 'bundle exec rspec', null],
    ['composer install\nvendor/bin/phpunit --testdox', 'vendor/bin/phpunit --testdox', null],
    ['npm run test-ci\ncp coverage/lcov.info "coverage/${{ matrix.name }}.lcov"', 'npm run test-ci', null],
  ])('%j -> %s', (script, command, cd) => {
    expect(sanitizeCiCommand(script)).toEqual({ command, cd });
  });

  it.each([
    'mvn -B install -DskipTests',
    './gradlew build -x test',
    'flake8 .',
    'npm run lint',
    'pytest --cov=${{ env.PKG }}',
    'npm ci',
    'echo test',
    'npx eslint . && npx prettier --check .',
  ])('skips %j', (script) => {
    expect(sanitizeCiCommand(script)).toBeNull();
  });

  it('prefers the test job and skips lint jobs and tools that are not installed', async () => {
    const r = repo(null);
    r.write('go.mod', 'module x\n\ngo 1.19\n');
    r.write(
      '.github/workflows/build.yml',
      [
        'on: [push, pull_request]',
        'jobs:',
        '  lint:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - run: golangci-lint run',
        '  test:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: actions/setup-go@v5',
        "        with: { go-version: '1.22' }",
        '      - name: Test',
        '        run: go test -count=1 ./...',
        '        working-directory: .',
      ].join('\n'),
    );
    // golangci-lint is not installed; go is, whatever this machine has
    expect(await detectTestCommand(r.dir, { has: only('go') })).toMatchObject({
      command: 'go test -count=1 ./...',
      source: 'ci',
      runner: 'go',
    });
  });

  it('prefers the direct runner over tox/nox (they build environments over the network)', async () => {
    const r = repo('python-pytest');
    r.write(
      '.github/workflows/tests.yml',
      'on: push\njobs:\n  tests:\n    runs-on: ubuntu-latest\n    steps:\n      - run: tox -e py\n',
    );
    expect(await detectTestCommand(r.dir)).toMatchObject({ command: `${PY} -m pytest`, source: 'manifest' });
  });

  it('uses a tox command from CI when nothing else is found and tox is here', async () => {
    const r = repo(null);
    r.write(
      '.github/workflows/tests.yml',
      'on: push\njobs:\n  tests:\n    runs-on: ubuntu-latest\n    steps:\n      - run: tox -e py\n',
    );
    const d = await detectTestCommand(r.dir);
    if (await onPath('tox')) expect(d).toMatchObject({ command: 'tox -e py', source: 'ci', runner: 'tox' });
    else expect(d).toBeNull();
  });

  it('drops a wrapper that is not installed (poetry run)', async () => {
    const r = repo('python-pytest');
    r.write(
      '.github/workflows/ci.yml',
      'on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          poetry install\n          poetry run pytest -q\n',
    );
    // pytest installed, poetry not (injected: the machine's PATH does not matter)
    expect(await detectTestCommand(r.dir, { has: only('pytest', 'python3', 'python') })).toMatchObject({
      command: 'pytest -q',
      source: 'ci',
    });
  });

  it('reads CircleCI run steps', async () => {
    const r = repo('go');
    r.write(
      '.circleci/config.yml',
      'version: 2.1\njobs:\n  build:\n    docker:\n      - image: cimg/go:1.22\n    steps:\n      - checkout\n      - run: go mod download\n      - run:\n          name: Run tests\n          command: go test -count=1 ./...\n',
    );
    expect(await detectTestCommand(r.dir, { has: only('go') })).toMatchObject({
      command: 'go test -count=1 ./...',
      source: 'ci',
    });
    // without go the CI step is passed over (it would fail before and after any change): go.mod's command
    expect(await detectTestCommand(r.dir, { has: only() })).toMatchObject({ source: 'manifest' });
  });

  it('reads GitLab script lists', async () => {
    const r = repo('go');
    r.write(
      '.gitlab-ci.yml',
      'stages: [test]\nunit:\n  stage: test\n  script:\n    - go mod download\n    - go test -v ./...\n',
    );
    expect(await detectTestCommand(r.dir, { has: only('go') })).toMatchObject({
      command: 'go test -v ./...',
      source: 'ci',
    });
  });
});

describe('helpers', () => {
  it('recognises lint-only test scripts', () => {
    expect(isLintOnly('eslint . && prettier --check .')).toBe(true);
    expect(isLintOnly('npm run lint')).toBe(true);
    expect(isLintOnly('eslint . && jest')).toBe(false);
    expect(isLintOnly('tsc --noEmit')).toBe(true);
  });

  it('reads tox commands', () => {
    expect(
      toxTestCommand('[tox]\nenvlist = py3\n\n[testenv]\ndeps = pytest\ncommands =\n    pytest {posargs} tests\n'),
    ).toBe('pytest tests');
    expect(toxTestCommand('[testenv]\ncommands = flake8\n')).toBeNull();
  });

  it('parses the YAML shapes workflows use', () => {
    const doc = readYaml(
      [
        '# comment',
        'name: "CI"',
        'on:',
        '  push:',
        '    branches: [ main ]',
        'jobs:',
        '  test:',
        '    steps:',
        '    - uses: actions/checkout@v4',
        '    - name: Run',
        '      run: |',
        '        echo "a: b"',
        '',
        '        npm test',
        '      env:',
        "        X: 'it''s'",
        '    - run: >-',
        '        folded',
        '        line',
      ].join('\n'),
    );
    // anchors and flow collections are YAML too (the hand-written reader kept them as strings)
    expect(readYaml('a: &x [1, "two"]\nb: *x\n')).toEqual({ a: [1, 'two'], b: [1, 'two'] });
    expect(readYaml('jobs: [unclosed\n')).toBeNull();
    expect(doc).toEqual({
      name: 'CI',
      on: { push: { branches: ['main'] } },
      jobs: {
        test: {
          steps: [
            { uses: 'actions/checkout@v4' },
            { name: 'Run', run: 'echo "a: b"\n\nnpm test\n', env: { X: "it's" } },
            { run: 'folded line' },
          ],
        },
      },
    });
  });
});

describe('CI commands for tools missing here', () => {
  it('drops exec wrappers that are missing (vp exec pnpm run x -> npm run x)', async () => {
    if ((await onPath('vp')) || (await onPath('pnpm'))) return;
    const r = repo('node-ci');
    r.write(
      '.github/workflows/test.yml',
      'on: workflow_call\njobs:\n  unit-test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: vp install --frozen-lockfile\n      - name: Run unit tests\n        run: vp exec pnpm run test:ci\n  e2e-test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: vp exec pnpm run test-e2e\n',
    );
    expect(await detectTestCommand(r.dir)).toMatchObject({
      command: 'npm run test:ci',
      source: 'ci',
      runner: 'node-test',
    });
  });

  it('runs a CLI from node_modules/.bin through npx, keeping env assignments', async () => {
    const r = fixtureRepo('node-jest', { nodeModules: true });
    repos.push(r);
    r.write(
      '.github/workflows/ci.yml',
      'on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm ci\n      - run: cross-env NODE_ENV=test jest --ci\n',
    );
    // under `npx vitest` node_modules/.bin is already on PATH; in a plain shell it is not
    const command = (await onPath('jest')) ? 'NODE_ENV=test jest --ci' : 'NODE_ENV=test npx --no jest --ci';
    expect(await detectTestCommand(r.dir)).toMatchObject({ command, source: 'ci', runner: 'jest' });
  });

  it('runs a yarn/pnpm script with npm when that package manager is not installed', async () => {
    if (await onPath('pnpm')) return;
    const r = repo('node-ci');
    r.write(
      '.github/workflows/ci.yml',
      'on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pnpm install\n      - run: pnpm test:ci --reporter=tap\n',
    );
    expect(await detectTestCommand(r.dir)).toMatchObject({
      command: 'npm run test:ci -- --reporter=tap',
      source: 'ci',
      runner: 'node-test',
    });
  });
});

describe('splitting CI shell lines (shell-quote)', () => {
  it.each([
    ['cd build && make -j4 && make test # run them', ['cd build', 'make -j4', 'make test']],
    ['pytest -k "a and b; c" tests/*.py; echo done', ["pytest -k 'a and b; c' tests/*.py", 'echo done']],
    ["X='a b' npm test -- --grep='x y' || true", ["X='a b' npm test -- --grep='x y' || true"]],
    ['(cd sub && make test) && npm test 2>&1 | tee log', ['( cd sub && make test )', 'npm test 2>&1 | tee log']],
    ['PATH=$HOME/bin:$PATH go test "$PKG/..." "a $B"', ['PATH=$HOME/bin:$PATH go test $PKG/... "a $B"']],
    ['make test \\\n  -j2\nnpm test', ['make test -j2', 'npm test']],
    ['echo $(date) && npm test', ['echo $(date) && npm test']],
  ])('%j', (script, expected) => {
    expect(splitCommands(script)).toEqual(expected);
  });
});

describe('the test plan on real repository shapes (issue 10)', () => {
  const wf = (...lines: string[]) => ['on: [push, pull_request]', 'jobs:', ...lines, ''].join('\n');

  it('every test job of the workflow is a suite, named, de-duplicated across a matrix', async () => {
    const r = repo(null);
    r.write('package.json', JSON.stringify({ scripts: { 'test:unit': 'node --test', 'test:specs': 'node --test' } }));
    r.write(
      '.github/workflows/ci.yml',
      wf(
        '  unit:',
        '    strategy: { matrix: { node: [18, 20] } }',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - name: Unit tests',
        '        run: npm run test:unit',
        '  specs:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - name: Specs',
        '        run: npm run test:specs',
        '  lint:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - run: npx eslint .',
      ),
    );
    const plan = await explainTestDetection(r.dir, { has: only('npm') });
    expect(plan.suites.map((s) => s.command).sort()).toEqual(['npm run test:specs', 'npm run test:unit']);
    expect(plan.suites.every((s) => s.name?.startsWith('.github/workflows/ci.yml (job '))).toBe(true);
    expect(plan.detection).toBe(plan.suites[0]);
  });

  it('a job split over steps keeps its setup: configure a build dir in one step, test in it in the next', async () => {
    const r = repo(null);
    r.write('CMakeLists.txt', 'project(x C)\n');
    r.write(
      '.github/workflows/build.yml',
      wf(
        '  build:',
        '    runs-on: ubuntu-latest',
        '    env: { CTEST_OUTPUT_ON_FAILURE: 1 }',
        '    steps:',
        '      - run: sudo apt-get install -y libfoo-dev',
        '      - name: Configure',
        '        run: mkdir build && cd build && cmake ..',
        '      - name: Test',
        '        working-directory: build',
        '        run: make && make test',
      ),
    );
    const d = await detectTestCommand(r.dir, { has: only('make', 'cmake') });
    expect(d).toMatchObject({
      command: '(mkdir -p build && cd build && cmake ..) && cd build && make && make test',
      cwd: r.dir,
      env: { CTEST_OUTPUT_ON_FAILURE: '1' },
      source: 'ci',
    });
    expect(d?.reason).toContain('after its setup step(s) Configure');
  });

  it('a step in a folder nothing makes (a third-party project CI clones) is passed over', async () => {
    const r = repo('node-test');
    r.write(
      '.github/workflows/ci.yml',
      wf(
        '  downstream:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - run: git clone https://example.invalid/other.git other',
        '      - name: Test downstream',
        '        working-directory: other',
        '        run: npm test',
      ),
    );
    expect(await detectTestCommand(r.dir, { has: only('npm', 'node') })).toMatchObject({ source: 'manifest' });
  });

  it("a reusable workflow's with: command: is read", async () => {
    const r = repo(null);
    r.write('package.json', JSON.stringify({ scripts: { test: 'node --test' } }));
    r.write(
      '.github/workflows/ci.yml',
      wf('  test:', '    uses: org/shared/.github/workflows/node.yml@v1', '    with:', '      command: npm test'),
    );
    expect(await detectTestCommand(r.dir, { has: only('npm') })).toMatchObject({
      command: 'npm test',
      source: 'ci',
      reason: expect.stringContaining('with: command'),
    });
  });

  it('pnpm vitest with no "vitest" script becomes npx vitest, not npm run vitest', async () => {
    const r = repo(null);
    r.write('package.json', JSON.stringify({ scripts: { build: 'tsc' } }));
    r.write(
      '.github/workflows/ci.yml',
      wf('  test:', '    runs-on: ubuntu-latest', '    steps:', '      - run: pnpm vitest run --reporter=dot'),
    );
    expect(await detectTestCommand(r.dir, { has: only('npm', 'npx') })).toMatchObject({
      command: 'npx --no vitest run --reporter=dot',
      source: 'ci',
    });
  });

  it('tox: {envtmpdir} options dropped, changedir and setenv kept', async () => {
    const r = repo(null);
    r.write('tests/test_x.py', 'def test_x():\n    pass\n');
    r.write(
      'tox.ini',
      '[tox]\nenvlist = py3\n\n[testenv]\nchangedir = tests\nsetenv =\n    MODE = strict\n    HOME = {envtmpdir}\ncommands =\n    pytest --basetemp={envtmpdir} -q {posargs}\n',
    );
    const d = await detectTestCommand(r.dir, { has: only('python3') });
    expect(d).toMatchObject({ command: 'pytest -q', cwd: join(r.dir, 'tests'), env: { MODE: 'strict' } });
  });

  it('a src/ package is tested from the source tree (PYTHONPATH=src), not from an installed copy', async () => {
    const r = repo('python-pytest');
    r.write('src/calc/__init__.py', 'def add(a, b):\n    return a + b\n');
    const d = await detectTestCommand(r.dir, { has: only('python3') });
    expect(d).toMatchObject({ env: { PYTHONPATH: 'src' }, reason: expect.stringContaining('PYTHONPATH=src') });
    // a command the user gave is left as given
    expect((await detectTestCommand(r.dir, { cmd: 'pytest -q', has: only('python3') }))?.env).toBeUndefined();
  });
});
