import { execFileSync } from 'node:child_process';
import { loadSettings, type FlagValues } from '../config/load.js';
import { cacheDir, configDir, stateDir } from '../config/paths.js';
import type { Settings } from '../config/schema.js';
import { probePty } from '../exec/pty.js';
import { createSandbox } from '../exec/sandbox.js';
import { EXIT } from '../headless/exit-codes.js';
import { createModel, isReplayModel } from '../model/create.js';
import { probeEndpoint } from '../model/probe.js';
import { findRepoRoot } from '../repo/root.js';
import { explainTestDetection } from '../repo/test-detect.js';
import { defaultRgPath } from '../tools/grep.js';
import { parseCommand, usageError, workDir } from './args.js';
import { DOCTOR } from './commands.js';

export interface DoctorIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
  cwd: string;
}

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** a run cannot work while this check fails */
  required: boolean;
  /** the endpoint check's verdict (ok, bad_key, unknown_model, connection_refused, tls_error, timeout, ...) */
  verdict?: string;
}

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * `sedge doctor`: what works here, with the endpoint checked by a real request. Never prints a key, only
 * whether one is set. Exit 0 only when a run could work (config, endpoint, ripgrep and pty all fine).
 */
export async function runDoctor(argv: string[], io: DoctorIo): Promise<number> {
  const parsed = parseCommand(DOCTOR, argv, io);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (positionals.length) return usageError(DOCTOR, io, `unexpected argument: ${positionals[0]}`);
  const timeoutS = values.timeout === undefined ? 10 : Number(values.timeout);
  if (!(Number.isFinite(timeoutS) && timeoutS > 0))
    return usageError(DOCTOR, io, '--timeout needs a number of seconds');
  let cwd: string;
  try {
    cwd = workDir(io.cwd, values.cd);
  } catch (err) {
    return usageError(DOCTOR, io, (err as Error).message);
  }

  const checks: Check[] = [];
  const root = findRepoRoot(cwd);
  checks.push({
    name: 'repository',
    ok: root !== null,
    required: false,
    detail: root ?? `${cwd} is not inside a git repository (tools still work; traces and checkpoints need git)`,
  });

  let settings: Settings | null = null;
  try {
    const flags: FlagValues = values.model ? { model: values.model } : {};
    settings = loadSettings({ repoRoot: root, env: io.env, flags });
    checks.push({ name: 'config', ok: true, required: true, detail: configSummary(settings) });
    for (const w of settings.warnings) checks.push({ name: 'config', ok: false, required: false, detail: w });
  } catch (err) {
    checks.push({ name: 'config', ok: false, required: true, detail: (err as Error).message });
  }
  if (settings) checks.push(await endpointCheck(settings, cwd, timeoutS * 1000));

  try {
    const rg = defaultRgPath();
    const v = execFileSync(rg, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
    checks.push({ name: 'ripgrep', ok: true, required: true, detail: `${v} (${rg})` });
  } catch (err) {
    checks.push({ name: 'ripgrep', ok: false, required: true, detail: (err as Error).message });
  }

  try {
    const out = await probePty();
    const ok = out.includes('pty-ok');
    checks.push({
      name: 'pty',
      ok,
      required: true,
      detail: ok ? 'node-pty spawns a shell' : `unexpected output: ${out.trim()}`,
    });
  } catch (err) {
    checks.push({ name: 'pty', ok: false, required: true, detail: `node-pty failed: ${(err as Error).message}` });
  }

  try {
    const s = loadSettings({ repoRoot: root, env: io.env });
    const mode = s.sandbox === 'off' ? 'workspace-write' : s.sandbox;
    const sb = createSandbox({
      mode,
      workspace: root ?? cwd,
      network: s.network,
      env: io.env,
      configDir: configDir(io.env),
      ...(io.env.SEDGE_BWRAP !== undefined ? { bwrapPath: io.env.SEDGE_BWRAP || null } : {}),
    });
    sb.dispose();
    const off = s.sandbox === 'off' ? ` (but --sandbox/SEDGE_SANDBOX/config chose off: commands run unconfined)` : '';
    checks.push({ name: 'sandbox', ok: true, required: false, detail: `${sb.describe()}${off}` });
  } catch (err) {
    checks.push({
      name: 'sandbox',
      ok: false,
      required: true,
      detail: `${(err as Error).message}; sedge exec refuses to run unless --sandbox off is given`,
    });
  }

  try {
    const { detection, why } = await explainTestDetection(root ?? cwd);
    checks.push({
      name: 'test command',
      ok: detection !== null,
      required: false,
      detail: detection ? `${detection.command} (${why})` : `none found: ${why} (the gate will say tests were not run)`,
    });
  } catch (err) {
    checks.push({ name: 'test command', ok: false, required: false, detail: (err as Error).message });
  }

  checks.push({
    name: 'state',
    ok: true,
    required: false,
    detail: `sessions in ${stateDir(io.env)}/sessions, traces in ${cacheDir(io.env)}/repos`,
  });

  const ready = checks.every((c) => c.ok || !c.required);
  const secret = settings?.apiKey && settings.apiKey.length >= 8 ? settings.apiKey : null;
  const clean = (s: string) => (secret ? s.split(secret).join('[redacted]') : s);
  if (values.json) io.stdout.write(`${clean(JSON.stringify({ ready, checks }))}\n`);
  else {
    for (const c of checks)
      io.stdout.write(clean(`${c.ok ? '✓' : c.required ? '✗' : '-'} ${c.name.padEnd(15)} ${c.detail}\n`));
    io.stdout.write(ready ? 'ready: a run can work here\n' : 'not ready: fix the ✗ lines above\n');
  }
  return ready ? EXIT.done : EXIT.failed;
}

function configSummary(s: Settings): string {
  const where = (k: string) => s.sources[k] ?? 'default';
  const endpoint = `${s.baseURL ?? DEFAULT_BASE_URL} (${where('base_url')})`;
  return `model ${s.model} (${where('model')}), endpoint ${endpoint}, key ${s.apiKey ? 'set' : 'not set'}`;
}

async function endpointCheck(s: Settings, cwd: string, timeoutMs: number): Promise<Check> {
  const name = 'model endpoint';
  if (isReplayModel(s.model)) {
    try {
      createModel({ model: s.model, cwd });
      return { name, ok: true, required: true, verdict: 'ok', detail: `replay model ${s.model} (no network)` };
    } catch (err) {
      return { name, ok: false, required: true, verdict: 'bad_replay_file', detail: (err as Error).message };
    }
  }
  if (!s.apiKey && !s.baseURL)
    return {
      name,
      ok: false,
      required: true,
      verdict: 'no_key',
      detail: 'OPENAI_API_KEY is not set (and no OPENAI_BASE_URL / base_url for a server that needs none)',
    };
  const base = s.baseURL ?? DEFAULT_BASE_URL;
  const r = await probeEndpoint({
    baseURL: base,
    model: s.model,
    timeoutMs,
    ...(s.apiKey ? { apiKey: s.apiKey } : {}),
  });
  return { name, ok: r.ok, required: true, verdict: r.verdict, detail: `${base}: ${r.detail}` };
}
