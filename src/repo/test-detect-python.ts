/** Python projects: pytest (pytest.ini, pyproject, setup.cfg, tox.ini, conftest, declared dependency), tox commands, unittest, Django. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { classifySegment } from './test-detect-shell.js';
import { exists, inferRunner, listDir, onPath, readText, type ToolLookup } from './test-detect-util.js';
import type { TestDetection, TestRunner } from './test-types.js';

async function python(has: ToolLookup): Promise<string> {
  return (await has('python')) ? 'python' : 'python3';
}

const TEST_DIRS = ['tests', 'test', 'testing'];

export async function detectPython(root: string, has: ToolLookup = onPath): Promise<TestDetection | null> {
  const [pyproject, setupCfg, toxIni, pytestIni, setupPy, reqs] = await Promise.all([
    readText(join(root, 'pyproject.toml')),
    readText(join(root, 'setup.cfg')),
    readText(join(root, 'tox.ini')),
    readText(join(root, 'pytest.ini')),
    readText(join(root, 'setup.py')),
    requirementsText(root),
  ]);
  const py = await python(has);
  const make = (command: string, reason: string, runner: TestRunner = inferRunner(command)): TestDetection => ({
    command,
    reason,
    runner,
    cwd: root,
    source: 'manifest',
  });

  let marker: string | null = null;
  if (pytestIni !== null) marker = 'pytest.ini';
  else if (pyproject && /^\[tool\.pytest(\.ini_options)?\]/m.test(pyproject))
    marker = 'pyproject.toml [tool.pytest.ini_options]';
  else if (setupCfg && /^\[tool:pytest\]/m.test(setupCfg)) marker = 'setup.cfg [tool:pytest]';
  else if (toxIni && /^\[pytest\]/m.test(toxIni)) marker = 'tox.ini [pytest]';
  else {
    for (const d of ['', ...TEST_DIRS]) {
      if (await exists(join(root, d, 'conftest.py'))) {
        marker = `${d ? `${d}/` : ''}conftest.py`;
        break;
      }
    }
  }
  if (marker) return make(`${py} -m pytest`, `pytest configured: ${marker}`, 'pytest');

  // tox.ini [testenv] commands that run tests directly
  const tox = toxIni ? toxTestEnv(toxIni) : null;
  if (tox) {
    const { command, missing } = await withoutMissingPytestPlugins(tox.command.replace(/^python3?\b/, py), has);
    const found = make(
      command,
      `tox.ini [testenv] commands${tox.changedir ? ` in ${tox.changedir}/ (changedir)` : ''}${missing.length ? ` (without the options of ${missing.join(', ')}: not installed here)` : ''}`,
    );
    return {
      ...found,
      cwd: tox.changedir ? join(root, tox.changedir) : root,
      ...(Object.keys(tox.env).length ? { env: tox.env } : {}),
    };
  }

  const declared = [pyproject, setupCfg, setupPy, reqs].some((t) => t && /(^|["'\s,[])pytest\b/m.test(t));
  const isPython = pyproject !== null || setupCfg !== null || setupPy !== null || reqs !== null;
  const tests = await findTestFiles(root);
  if (declared && (isPython || tests.files.length))
    return make(`${py} -m pytest`, 'pytest is a declared dependency', 'pytest');

  if (await exists(join(root, 'manage.py'))) return make(`${py} manage.py test`, 'Django manage.py', 'unittest');
  // a project's own test runner script (Django: tests/runtests.py)
  for (const script of ['tests/runtests.py', 'runtests.py']) {
    if (await exists(join(root, script)))
      return make(`${py} ${script}`, `${script} (the project's test runner)`, 'unittest');
  }

  if (tests.files.length) {
    const texts = await Promise.all(tests.files.slice(0, 20).map((f) => readText(join(root, f))));
    const usesUnittest = texts.some((t) => t && /^\s*(import unittest|from unittest\b)/m.test(t));
    const usesPytest = texts.some((t) => t && /^\s*(import pytest|from pytest\b)/m.test(t));
    if (usesUnittest && !usesPytest) {
      const dir = tests.dir;
      if (!dir) return make(`${py} -m unittest discover`, 'unittest test files at the top level', 'unittest');
      const pkg = await exists(join(root, dir, '__init__.py'));
      return make(
        `${py} -m unittest discover -s ${dir}${pkg ? ' -t .' : ''}`,
        `unittest test files in ${dir}/`,
        'unittest',
      );
    }
    if (usesPytest || (await has('pytest')))
      return make(`${py} -m pytest`, `test_*.py files${usesPytest ? ' importing pytest' : ''}`, 'pytest');
  }
  return null;
}

async function requirementsText(root: string): Promise<string | null> {
  const names = (await listDir(root)).filter((f) =>
    /^(requirements.*\.(txt|in)|Pipfile|dev-requirements\.txt)$/i.test(f),
  );
  const names2 = (await listDir(join(root, 'requirements'))).map((f) => join('requirements', f));
  const texts = await Promise.all([...names, ...names2].map((f) => readText(join(root, f))));
  const joined = texts.filter(Boolean).join('\n');
  return joined || null;
}

async function findTestFiles(root: string): Promise<{ dir: string | null; files: string[] }> {
  for (const d of TEST_DIRS) {
    const files = (await listDir(join(root, d))).filter((f) => /^test.*\.py$|_test\.py$/.test(f));
    if (files.length) return { dir: d, files: files.map((f) => `${d}/${f}`) };
  }
  const top = (await listDir(root)).filter((f) => /^test_.*\.py$|_test\.py$/.test(f));
  return { dir: null, files: top };
}

/**
 * The first test command in tox.ini's [testenv] `commands =`, with {posargs} and friends removed. Options that
 * point into tox's own environment ({envtmpdir}, {envdir}: `--basetemp={envtmpdir}`) are dropped, not the whole
 * command; `changedir` and `setenv` come along (the command runs there, with those variables).
 */
export function toxTestCommand(ini: string): string | null {
  return toxTestEnv(ini)?.command ?? null;
}

export function toxTestEnv(
  ini: string,
): { command: string; changedir: string | null; env: Record<string, string> } | null {
  const section = /^\[testenv\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(ini)?.[1];
  if (!section) return null;
  const keyed = (key: string) => new RegExp(`^${key}\\s*=\\s*(.*(?:\\n[ \\t]+.*)*)`, 'm').exec(section)?.[1];
  const commands = keyed('commands');
  if (!commands) return null;
  const tidy = (text: string) =>
    text
      .trim()
      .replace(/\{posargs(:[^}]*)?\}/g, '')
      .replace(/\{toxinidir\}\/?/g, './')
      .replace(/^\{envpython\}/, 'python')
      .replace(/^\{envbindir\}\//, '')
      .replace(/(^|\s)\S*\{env(tmp|log)?dir\}\S*/g, '')
      .replace(/\s+/g, ' ')
      .trim();
  for (const raw of commands.split('\n')) {
    const line = tidy(raw);
    if (!line || /[{}]/.test(line)) continue;
    if (classifySegment(line) !== 'test' || !/pytest|unittest/.test(line)) continue;
    const dir =
      keyed('changedir')
        ?.trim()
        .replace(/^\{toxinidir\}\/?/, '') || null;
    const env: Record<string, string> = {};
    for (const entry of (keyed('setenv') ?? '').split('\n')) {
      const m = /^\s*([A-Za-z_]\w*)\s*=\s*(.*?)\s*$/.exec(entry);
      if (!m || /[{}]/.test(m[2] ?? '')) continue;
      env[m[1] as string] = m[2] as string;
    }
    return { command: line, changedir: dir && !/[{}]/.test(dir) && !dir.startsWith('..') ? dir : null, env };
  }
  return null;
}

/** pytest options that need a plugin, with the module that provides it (the option's value included). */
const PLUGIN_OPTIONS: [RegExp, string][] = [
  [/\s(?:-n\s*=?\s*|--numprocesses[=\s]|--maxprocesses[=\s]|--dist[=\s])\S+/g, 'xdist'],
  // --cov takes an optional value: argparse takes the next word when it is not an option, so drop it too
  [
    /\s--cov-(?:report|config|fail-under|context)(?:=\S*|\s+\S+)|\s--cov-branch\b|\s--cov-append\b|\s--no-cov\b|\s--cov(?:=\S+|\s+(?!-)\S+)?(?=\s|$)/g,
    'pytest_cov',
  ],
  [/\s--timeout[=\s]\S+|\s--timeout-method[=\s]\S+/g, 'pytest_timeout'],
  [/\s--reruns(?:-delay)?[=\s]\S+/g, 'pytest_rerunfailures'],
  [/\s--benchmark-[\w-]+(?:=\S+)?/g, 'pytest_benchmark'],
];

/**
 * A CI pytest command without the options of plugins that are not installed here (`-n auto` without
 * pytest-xdist, `--cov` without pytest-cov): pytest would stop with a usage error before running any test,
 * before and after the model's change alike. `missing` names the dropped plugins.
 */
export async function withoutMissingPytestPlugins(
  command: string,
  has: ToolLookup = onPath,
): Promise<{ command: string; missing: string[] }> {
  if (!/(^|\s)(-m\s+pytest|pytest|py\.test)(\s|$)/.test(command) || /&&|\|\||;/.test(command))
    return { command, missing: [] };
  const wanted = PLUGIN_OPTIONS.filter(([re]) => new RegExp(re.source).test(command)).map(([, mod]) => mod);
  if (!wanted.length) return { command, missing: [] };
  const installed = await importable(await python(has), wanted);
  if (installed === null) return { command, missing: [] };
  let out = command;
  const missing: string[] = [];
  for (const [re, mod] of PLUGIN_OPTIONS) {
    if (!wanted.includes(mod) || installed.includes(mod)) continue;
    out = out.replace(re, '');
    missing.push(mod);
  }
  return { command: out.trim(), missing };
}

/** Which of `modules` the Python here can import; null when Python could not be asked. */
function importable(py: string, modules: string[]): Promise<string[] | null> {
  const code = 'import importlib.util as u,sys;print(" ".join(m for m in sys.argv[1:] if u.find_spec(m)))';
  return new Promise((resolve) => {
    execFile(py, ['-c', code, ...modules], { timeout: 15_000 }, (err, stdout) =>
      resolve(err ? null : stdout.trim().split(/\s+/).filter(Boolean)),
    );
  });
}

/**
 * A `src/` layout package (src/<pkg>/__init__.py): tested from the source tree, as the project's CI does with
 * PYTHONPATH=src or an editable install. Without it the tests import nothing (not installed) or, worse, an
 * installed copy in site-packages, where a fix in src/ is invisible.
 */
export async function withSourceTree(d: TestDetection): Promise<TestDetection> {
  if ((d.runner !== 'pytest' && d.runner !== 'unittest') || d.source === 'flag' || d.source === 'config') return d;
  if (/\bPYTHONPATH=/.test(d.command) || d.env?.PYTHONPATH) return d;
  for (const name of await listDir(join(d.cwd, 'src'))) {
    if (!(await exists(join(d.cwd, 'src', name, '__init__.py')))) continue;
    return {
      ...d,
      env: { ...(d.env ?? {}), PYTHONPATH: 'src' },
      reason: `${d.reason}; src/${name} tested from the source tree (PYTHONPATH=src)`,
    };
  }
  return d;
}
