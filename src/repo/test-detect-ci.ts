/**
 * The test command a project's CI runs: GitHub workflow steps (and GitLab/Travis `script:` lists), sanitised
 * to the test part only: `npm ci && npm test` -> `npm test`; installs, setup and lint are dropped; commands using
 * `${{ … }}` or tools missing here are passed over (wrappers like `poetry run` are dropped when absent).
 */
import { join, relative, resolve } from 'node:path';
import { readYaml, scalarText, type YamlValue } from './test-detect-yaml.js';
import { runnerOfScriptCommand } from './test-detect-node.js';
import { withoutMissingPytestPlugins } from './test-detect-python.js';
import { sanitizeCiCommand } from './test-detect-shell.js';
import { commandLanguage, mainLanguage, type Lang } from './test-detect-lang.js';
import { inferRunner, listDir, onPath, readText, type ToolLookup } from './test-detect-util.js';
import type { TestDetection } from './test-types.js';

interface Candidate {
  command: string;
  cwd: string;
  file: string;
  where: string;
  score: number;
  order: number;
}

type Obj = { [key: string]: YamlValue };
const isObj = (v: YamlValue | undefined): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: YamlValue | undefined): string | null => (typeof v === 'string' ? v : null);

/** Commands that build their own environments (tox, nox, hatch): slow, and they need the network. */
const ENV_MANAGER = /^(?:[A-Za-z_]\w*=\S*\s+)*(tox|nox|hatch\s+(?:run\s+)?test)(\s|$)/;

/**
 * The CI test command. `envManagers: false` (the default) passes over tox/nox/hatch commands, so a manifest's
 * direct runner (pytest) is preferred; call again with true when the manifests found nothing.
 */
export async function detectFromCi(
  root: string,
  opts: { envManagers?: boolean; lang?: Lang | null; has?: ToolLookup } = {},
): Promise<TestDetection | null> {
  const has = opts.has ?? onPath;
  const candidates: Candidate[] = [];
  const wfDir = join(root, '.github', 'workflows');
  const files = (await listDir(wfDir)).filter((f) => /\.ya?ml$/i.test(f)).sort(fileOrder);
  for (const f of files) {
    const text = await readText(join(wfDir, f));
    if (text) collectGithub(readYaml(text), root, `.github/workflows/${f}`, candidates);
  }
  for (const f of ['.gitlab-ci.yml', '.travis.yml', '.circleci/config.yml', 'azure-pipelines.yml']) {
    const text = await readText(join(root, f));
    if (text) collectScripts(readYaml(text), root, f, candidates, '');
  }
  // a command in another language than the repo's own (Django's `npm test` for its admin JavaScript) ranks low
  const lang = opts.lang === undefined ? await mainLanguage(root) : opts.lang;
  if (lang) for (const c of candidates) if ((commandLanguage(c.command) ?? lang) !== lang) c.score -= 4;
  candidates.sort((a, b) => b.score - a.score || a.order - b.order);
  for (const c of candidates) {
    if (ENV_MANAGER.test(c.command) !== (opts.envManagers ?? false)) continue;
    const runnable = await makeRunnable(c.command, c.cwd, has);
    if (!runnable) continue;
    const { command: usable, missing } = await withoutMissingPytestPlugins(runnable, has);
    const sub = relative(root, c.cwd);
    const inferred = inferRunner(usable);
    const dropped = missing.length ? `; without the options of ${missing.join(', ')}: not installed here` : '';
    return {
      command: usable,
      reason: `CI runs it: ${c.file} (${c.where})${sub ? ` in ${sub}/` : ''}${dropped}`,
      runner: inferred === 'unknown' ? await runnerOfScriptCommand(c.cwd, usable) : inferred,
      cwd: c.cwd,
      source: 'ci',
    };
  }
  return null;
}

function fileOrder(a: string, b: string): number {
  const rank = (f: string) =>
    /test/i.test(f)
      ? 0
      : /^(ci|main|build|check)/i.test(f)
        ? 1
        : /release|publish|deploy|doc|page|lint|codeql|stale|label/i.test(f)
          ? 3
          : 2;
  return rank(a) - rank(b) || a.localeCompare(b);
}

function collectGithub(doc: YamlValue, root: string, file: string, out: Candidate[]): void {
  if (!isObj(doc) || !isObj(doc.jobs)) return;
  const wfDir = workingDir(doc);
  const onText = JSON.stringify(doc.on ?? doc.true ?? '');
  const triggered = /push|pull_request/.test(onText);
  for (const [jobKey, job] of Object.entries(doc.jobs)) {
    if (!isObj(job) || !Array.isArray(job.steps)) continue;
    const runsOn = JSON.stringify(job['runs-on'] ?? '');
    // a Windows- or macOS-only job still names the test command, but a Linux job's is the better hint
    const otherOs = /windows|macos/i.test(runsOn) && !/ubuntu|linux|matrix/i.test(runsOn);
    const jobName = `${jobKey} ${str(job.name) ?? ''}`;
    const jobDir = workingDir(job) ?? wfDir;
    job.steps.forEach((step, i) => {
      if (!isObj(step)) return;
      const raw = str(step.run);
      if (!raw) return;
      const run = withEnv(raw, [step.env, job.env, doc.env]);
      const stepName = str(step.name) ?? '';
      const dir = str(step['working-directory']) ?? jobDir ?? null;
      let score = 0;
      if (/test|check|ci\b/i.test(jobName)) score += 2;
      if (/test/i.test(stepName)) score += 2;
      if (/lint|format|style|doc|bench|release|publish|deploy|e2e|integration|coverage/i.test(`${jobName} ${stepName}`))
        score -= 2;
      if (triggered) score += 1;
      if (/release|publish|deploy|nightly/i.test(file)) score -= 3;
      if (otherOs) score -= 3;
      add(out, run, root, dir, file, `job ${jobKey}, step ${stepName || i + 1}`, score);
    });
  }
}

/**
 * `${{ env.NAME }}` replaced by the value the step, job or workflow `env:` gives it, when that is a plain
 * value (ripgrep: `${{ env.CARGO }} test --workspace ${{ env.TARGET_FLAGS }}` with CARGO: cargo and empty flags).
 */
function withEnv(run: string, envs: (YamlValue | undefined)[]): string {
  return run.replace(/\$\{\{\s*env\.([A-Za-z_]\w*)\s*\}\}/g, (whole, name: string) => {
    for (const env of envs) {
      if (!isObj(env) || !(name in env)) continue;
      const value = env[name];
      if (value === null || value === undefined) return '';
      const text = scalarText(value);
      return text !== null && !text.includes('${{') ? text : whole;
    }
    return whole;
  });
}

function collectScripts(node: YamlValue, root: string, file: string, out: Candidate[], path: string): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => collectScripts(n, root, file, out, `${path}[${i}]`));
    return;
  }
  if (!isObj(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'script' || key === 'run' || key === 'command') && !isObj(value)) {
      const lines = Array.isArray(value)
        ? value.map(str).filter((s): s is string => !!s)
        : str(value)
          ? [str(value) as string]
          : [];
      if (lines.length)
        add(out, lines.join('\n'), root, null, file, path ? `${path}.${key}` : key, /test/i.test(path) ? 2 : 0);
    } else if (!/^(before_|after_|install|deploy|pages|release)/.test(key)) {
      collectScripts(value, root, file, out, path ? `${path}.${key}` : key);
    }
  }
}

function workingDir(node: Obj): string | null {
  const defaults = node.defaults;
  if (!isObj(defaults) || !isObj(defaults.run)) return null;
  return str(defaults.run['working-directory']);
}

function add(
  out: Candidate[],
  run: string,
  root: string,
  dir: string | null,
  file: string,
  where: string,
  score: number,
): void {
  if (dir?.includes('${{')) return;
  const sanitized = sanitizeCiCommand(run);
  if (!sanitized) return;
  const cwd = resolve(root, dir ?? '.', sanitized.cd ?? '.');
  if (relative(root, cwd).startsWith('..')) return;
  out.push({ command: sanitized.command, cwd, file, where, score, order: out.length });
}

/** Wrappers that only set up an environment; dropped when their program is missing here. */
const WRAPPERS =
  /^(?:poetry run|uv run|pdm run|pipenv run|hatch run|rye run|vp exec|cross-env|dotenv(?:\s+-\S+(?:\s+[^-\s]\S*)?)*\s+--|xvfb-run(?:\s+-a|\s+--auto-servernum)*|timeout\s+\d+[smhd]?|time)\s+/;

/** The command itself when its program is here; else without a missing wrapper; else null. */
async function makeRunnable(command: string, cwd: string, has: ToolLookup, depth = 0): Promise<string | null> {
  if (depth > 4) return null;
  const split = /^((?:[A-Za-z_]\w*=(?:"[^"]*"|'[^']*'|\S*)\s+)*)([\s\S]*)$/.exec(command.trim());
  const prefix = split?.[1] ?? '';
  const cmd = split?.[2] ?? '';
  const exe = cmd.split(/\s+/)[0];
  if (!exe) return null;
  // setuptools 72 removed `setup.py test`: it fails before and after any change; the manifests know better
  if (/^(python3?|py)\s+(\S+\/)?setup\.py\s+(-\S+\s+)*test\b/.test(cmd)) return null;
  // cargo subcommands are separate programs: without cargo-nextest, Cargo.toml's `cargo test` runs the same tests
  const sub = /^cargo\s+(?:\+\S+\s+)?(nextest)\b/.exec(cmd)?.[1];
  if (sub && !(await has(`cargo-${sub}`))) return null;
  if (await has(exe, cwd)) return prefix + cmd;
  if (exe.includes('/')) return null;
  // a CLI installed in the project (node_modules/.bin): run it the way npm scripts would find it
  if (await has(join('node_modules', '.bin', exe), cwd)) return `${prefix}npx --no ${cmd}`;
  const again = (next: string) => makeRunnable(prefix + next, cwd, has, depth + 1);
  const wrapper = WRAPPERS.exec(cmd);
  if (wrapper) return again(cmd.slice(wrapper[0].length));
  const py = (await has('python')) ? 'python' : 'python3';
  const cov = /^coverage run\s+(?:--?[\w-]+(?:=\S+)?\s+)*-m\s+/.exec(cmd);
  if (cov) return again(`${py} -m ${cmd.slice(cov[0].length)}`);
  if (exe === 'python' && (await has('python3'))) return again(cmd.replace(/^python\b/, 'python3'));
  if ((exe === 'pytest' || exe === 'py.test') && (await has('python3')))
    return again(cmd.replace(/^(pytest|py\.test)\b/, `${py} -m pytest`));
  // a package manager that is not installed here: npm runs the same package.json scripts
  const pm = /^(yarn|pnpm|bun)\s+(?:run\s+)?([\w:.-]+)(.*)$/.exec(cmd);
  if (pm && !/^(install|add|exec|dlx|x)$/.test(pm[2] ?? '')) {
    const script = pm[2] as string;
    const rest = (pm[3] ?? '').trim();
    const extra = rest ? (rest.startsWith('-- ') ? ` ${rest}` : ` -- ${rest}`) : '';
    return again(`${script === 'test' ? 'npm test' : `npm run ${script}`}${extra}`);
  }
  return null;
}
