/**
 * The test command a project's CI runs: GitHub workflow steps (and GitLab/Travis `script:` lists), sanitised
 * to the test part only: `npm ci && npm test` -> `npm test`; installs, setup and lint are dropped; commands using
 * `${{ … }}` or tools missing here are passed over (wrappers like `poetry run` are dropped when absent).
 */
import { join, relative, resolve } from 'node:path';
import { readYaml, scalarText, type YamlValue } from './test-detect-yaml.js';
import { readPackageJson, runnerOfScriptCommand } from './test-detect-node.js';
import { withoutMissingPytestPlugins } from './test-detect-python.js';
import { sanitizeCiCommand, splitCommands } from './test-detect-shell.js';
import { commandLanguage, mainLanguage, type Lang } from './test-detect-lang.js';
import { exists, inferRunner, listDir, onPath, readText, type ToolLookup } from './test-detect-util.js';
import type { TestDetection } from './test-types.js';

interface Candidate {
  command: string;
  cwd: string;
  file: string;
  where: string;
  score: number;
  order: number;
  /** file + job: one suite per job */
  job: string;
  env: Record<string, string>;
  /** earlier steps of the same job that prepare the test (configure, build dirs), with their directories */
  setup: JobStep[];
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
  return (await detectCiPlan(root, opts))[0] ?? null;
}

/**
 * Every test job of the CI that applies here, best first: one suite per job (its best test step, with the
 * job's setup steps and env), de-duplicated. Other jobs join the first one's plan when they are plainly test
 * jobs in the same language and their command runs here.
 */
export async function detectCiPlan(
  root: string,
  opts: { envManagers?: boolean; lang?: Lang | null; has?: ToolLookup } = {},
): Promise<TestDetection[]> {
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
  const plan: TestDetection[] = [];
  const jobsSeen = new Set<string>();
  for (const c of candidates) {
    if (ENV_MANAGER.test(c.command) !== (opts.envManagers ?? false)) continue;
    if (jobsSeen.has(c.job)) continue;
    const first = plan[0];
    if (first && (c.score < 3 || commandLanguage(c.command) !== commandLanguage(first.command))) continue;
    const suite = await toSuite(c, root, has);
    if (!suite) continue;
    jobsSeen.add(c.job);
    if (plan.some((p) => p.command === suite.command && p.cwd === suite.cwd)) continue;
    plan.push(suite);
  }
  if (plan.length > 1) for (const p of plan) p.name ??= p.reason.replace(/^CI runs it: /, '');
  return plan;
}

async function toSuite(c: Candidate, root: string, has: ToolLookup): Promise<TestDetection | null> {
  // a folder neither the checkout nor this job's setup makes (a third-party project CI clones) is not ours
  const made = c.setup.flatMap((s) => s.creates.map((d) => resolve(s.cwd, d)));
  if (!(await exists(c.cwd)) && !made.includes(c.cwd)) return null;
  const runnable = await makeRunnable(c.command, (await exists(c.cwd)) ? c.cwd : root, has);
  if (!runnable) return null;
  const { command: usable, missing } = await withoutMissingPytestPlugins(runnable, has);
  const sub = relative(root, c.cwd);
  const inferred = inferRunner(usable);
  const dropped = missing.length ? `; without the options of ${missing.join(', ')}: not installed here` : '';
  const setupNote = c.setup.length ? `; after its setup step(s) ${c.setup.map((s) => s.name).join(', ')}` : '';
  const runner = inferred === 'unknown' ? await runnerOfScriptCommand(c.cwd, usable) : inferred;
  const base = {
    reason: `CI runs it: ${c.file} (${c.where})${sub ? ` in ${sub}/` : ''}${dropped}${setupNote}`,
    runner,
    source: 'ci' as const,
    ...(Object.keys(c.env).length ? { env: c.env } : {}),
  };
  if (!c.setup.length) return { ...base, command: usable, cwd: c.cwd };
  // setup and test in one bash command from the job's own directory: CI runs each step in a fresh shell
  const steps = c.setup.map((s) => `(${cdInto(root, s.cwd)}${s.command})`);
  return { ...base, command: [...steps, `${cdInto(root, c.cwd)}${usable}`].join(' && '), cwd: root };
}

function cdInto(root: string, dir: string): string {
  const rel = relative(root, dir);
  return rel ? `cd ${/^[\w./-]+$/.test(rel) ? rel : `'${rel.replace(/'/g, "'\\''")}'`} && ` : '';
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
  const triggered = /push|pull_request|workflow_call/.test(onText);
  for (const [jobKey, job] of Object.entries(doc.jobs)) {
    if (!isObj(job)) continue;
    const runsOn = JSON.stringify(job['runs-on'] ?? '');
    // a Windows- or macOS-only job still names the test command, but a Linux job's is the better hint
    const otherOs = /windows|macos/i.test(runsOn) && !/ubuntu|linux|matrix/i.test(runsOn);
    const jobName = `${jobKey} ${str(job.name) ?? ''}`;
    const jobDir = workingDir(job) ?? wfDir;
    const score = (stepName: string) => {
      let n = 0;
      if (/test|check|ci\b|spec/i.test(jobName)) n += 2;
      if (/test|spec/i.test(stepName)) n += 2;
      if (/lint|format|style|doc|bench|release|publish|deploy|e2e|integration|coverage/i.test(`${jobName} ${stepName}`))
        n -= 2;
      if (triggered) n += 1;
      if (/release|publish|deploy|nightly/i.test(file)) n -= 3;
      if (otherOs) n -= 3;
      return n;
    };
    const base = { root, file, job: `${file}#${jobKey}` };
    // a reusable workflow called with the command as an input (`uses: ./.github/workflows/x.yml`, `with: command:`)
    const withRun = inputCommand(job.with);
    if (typeof job.uses === 'string' && withRun) {
      const env = plainEnv([doc.env, job.env]);
      add(
        out,
        { ...base, run: withEnv(withRun, [job.env, doc.env]), dir: jobDir ?? null, env, setup: [] },
        {
          where: `job ${jobKey}, with: ${withRun === str((job.with as Obj).command) ? 'command' : 'input'}`,
          score: score(''),
        },
      );
    }
    if (!Array.isArray(job.steps)) continue;
    const setup: JobStep[] = [];
    job.steps.forEach((step, i) => {
      if (!isObj(step)) return;
      // an action that runs a command for the job (`with: run:` / `with: command:`) counts like a run step
      const raw = str(step.run) ?? (typeof step.uses === 'string' ? inputCommand(step.with) : null);
      if (!raw) return;
      const run = withEnv(raw, [step.env, job.env, doc.env]);
      const stepName = str(step.name) ?? '';
      const dir = str(step['working-directory']) ?? jobDir ?? null;
      const env = plainEnv([doc.env, job.env, step.env]);
      const where = `job ${jobKey}, step ${stepName || i + 1}`;
      if (!dir?.includes('${{')) {
        const prepared = setupStep(run, resolve(root, dir ?? '.'), stepName || `${i + 1}`);
        if (prepared) setup.push(prepared);
      }
      add(out, { ...base, run, dir, env, setup: [...setup] }, { where, score: score(stepName) });
    });
  }
}

/** A job step that prepares the test: configure a build directory, generate build files. */
export interface JobStep {
  command: string;
  cwd: string;
  name: string;
  /** directories it creates (mkdir), relative to cwd */
  creates: string[];
}

const SETUP_SEGMENT = /^(mkdir\s|cd\s|cmake(\s|$)|\.\/configure(\s|$)|meson\s+setup\s|\.\/autogen\.sh|autoreconf)/;

function setupStep(run: string, cwd: string, name: string): JobStep | null {
  const segments = splitCommands(run);
  if (!segments.length || !segments.every((s) => SETUP_SEGMENT.test(s))) return null;
  if (!segments.some((s) => /^(cmake|\.\/configure|meson|\.\/autogen|autoreconf)/.test(s))) return null;
  const creates: string[] = [];
  // `mkdir build` fails the second time (the check after the baseline): -p makes it repeatable
  const command = segments
    .map((s) => {
      const m = /^mkdir\s+(?:-p\s+)?(.+)$/.exec(s);
      if (!m) return s;
      const dirs = (m[1] ?? '').split(/\s+/).filter((d) => !d.startsWith('-'));
      creates.push(...dirs);
      return `mkdir -p ${dirs.join(' ')}`;
    })
    .join(' && ');
  return { command, cwd, name, creates };
}

/** The command a reusable workflow or action is given as an input. */
function inputCommand(withNode: YamlValue | undefined): string | null {
  if (!isObj(withNode)) return null;
  for (const key of ['command', 'run', 'test-command', 'test_command', 'script']) {
    const v = str(withNode[key]);
    if (v) return v;
  }
  return null;
}

/** Workflow, job and step `env:` merged (later wins), plain values only (`${{ … }}` values are left out). */
function plainEnv(envs: (YamlValue | undefined)[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const env of envs) {
    if (!isObj(env)) continue;
    for (const [k, v] of Object.entries(env)) {
      const text = scalarText(v);
      if (text !== null && !text.includes('${{') && /^[A-Za-z_]\w*$/.test(k)) out[k] = text;
    }
  }
  return out;
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
    for (const [i, n] of node.entries()) collectScripts(n, root, file, out, `${path}[${i}]`);
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
        add(
          out,
          { root, file, job: `${file}#${path}`, run: lines.join('\n'), dir: null, env: {}, setup: [] },
          { where: path ? `${path}.${key}` : key, score: /test/i.test(path) ? 2 : 0 },
        );
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
  c: { root: string; file: string; job: string; run: string; dir: string | null; env: Record<string, string> } & {
    setup: JobStep[];
  },
  at: { where: string; score: number },
): void {
  if (c.dir?.includes('${{')) return;
  const sanitized = sanitizeCiCommand(c.run);
  if (!sanitized) return;
  const cwd = resolve(c.root, c.dir ?? '.', sanitized.cd ?? '.');
  if (relative(c.root, cwd).startsWith('..')) return;
  out.push({
    command: sanitized.command,
    cwd,
    file: c.file,
    where: at.where,
    score: at.score,
    order: out.length,
    job: c.job,
    env: c.env,
    setup: c.setup,
  });
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
    // `pnpm vitest run` with no "vitest" script runs the package's binary: npx does the same (npm run would not)
    const scripts = (await readPackageJson(cwd))?.scripts ?? {};
    if (script !== 'test' && scripts[script] === undefined) return again(`npx --no ${script}${rest ? ` ${rest}` : ''}`);
    const extra = rest ? (rest.startsWith('-- ') ? ` ${rest}` : ` -- ${rest}`) : '';
    return again(`${script === 'test' ? 'npm test' : `npm run ${script}`}${extra}`);
  }
  return null;
}
