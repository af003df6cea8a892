import { execFileSync } from 'node:child_process';
import { loadSettings } from '../config/load.js';
import { configDir, stateDir, cacheDir } from '../config/paths.js';
import { createSandbox } from '../exec/sandbox.js';
import { isReplayModel } from '../model/create.js';
import { findRepoRoot } from '../repo/root.js';
import { explainTestDetection } from '../repo/test-detect.js';
import { defaultRgPath } from '../tools/grep.js';
import { EXIT } from '../headless/exit-codes.js';
import type { Io } from './exec.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** `sedge doctor`: what works here. Never prints a key, only whether one is set. */
export async function runDoctor(argv: string[], io: Omit<Io, 'stdin'> & { stdin?: unknown }): Promise<number> {
  const json = argv.includes('--json');
  const checks: Check[] = [];
  const root = findRepoRoot(io.cwd);
  checks.push({
    name: 'repository',
    ok: root !== null,
    detail: root ?? `${io.cwd} is not inside a git repository (tools still work; traces and checkpoints need git)`,
  });

  try {
    const s = loadSettings({ repoRoot: root, env: io.env });
    const endpoint = isReplayModel(s.model)
      ? `replay model ${s.model}`
      : `${s.baseURL ?? 'https://api.openai.com/v1'} · model ${s.model} (${s.sources.model}) · key ${s.apiKey ? 'set' : 'NOT set'}`;
    checks.push({
      name: 'model endpoint',
      ok: isReplayModel(s.model) || Boolean(s.apiKey || s.baseURL),
      detail: endpoint,
    });
    for (const w of s.warnings) checks.push({ name: 'config', ok: false, detail: w });
  } catch (err) {
    checks.push({ name: 'config', ok: false, detail: (err as Error).message });
  }

  try {
    const rg = defaultRgPath();
    const v = execFileSync(rg, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
    checks.push({ name: 'ripgrep', ok: true, detail: `${v} (${rg})` });
  } catch (err) {
    checks.push({ name: 'ripgrep', ok: false, detail: (err as Error).message });
  }

  try {
    const pty = await import('node-pty');
    const out = await new Promise<string>((resolve, reject) => {
      const p = pty.spawn('/bin/sh', ['-c', 'echo pty-ok'], { cols: 80, rows: 24 });
      let data = '';
      p.onData((d) => (data += d));
      p.onExit(() => resolve(data));
      setTimeout(() => reject(new Error('no answer from a pty within 5 s')), 5000).unref();
    });
    checks.push({
      name: 'pty',
      ok: out.includes('pty-ok'),
      detail: out.includes('pty-ok') ? 'node-pty spawns a shell' : `unexpected output: ${out.trim()}`,
    });
  } catch (err) {
    checks.push({ name: 'pty', ok: false, detail: `node-pty failed: ${(err as Error).message}` });
  }

  try {
    const s = loadSettings({ repoRoot: root, env: io.env });
    const mode = s.sandbox === 'off' ? 'workspace-write' : s.sandbox;
    const sb = createSandbox({
      mode,
      workspace: root ?? io.cwd,
      network: s.network,
      env: io.env,
      configDir: configDir(io.env),
      ...(io.env.SEDGE_BWRAP !== undefined ? { bwrapPath: io.env.SEDGE_BWRAP || null } : {}),
    });
    sb.dispose();
    const off = s.sandbox === 'off' ? ` (but --sandbox/SEDGE_SANDBOX/config chose off: commands run unconfined)` : '';
    checks.push({ name: 'sandbox', ok: s.sandbox !== 'off', detail: `${sb.describe()}${off}` });
  } catch (err) {
    checks.push({
      name: 'sandbox',
      ok: false,
      detail: `${(err as Error).message}; sedge exec refuses to run unless --sandbox off is given`,
    });
  }

  try {
    const { detection, why } = await explainTestDetection(root ?? io.cwd);
    checks.push({
      name: 'test command',
      ok: detection !== null,
      detail: detection ? `${detection.command} (${why})` : `none found: ${why} (the gate will say tests were not run)`,
    });
  } catch (err) {
    checks.push({ name: 'test command', ok: false, detail: (err as Error).message });
  }

  checks.push({
    name: 'state',
    ok: true,
    detail: `sessions in ${stateDir(io.env)}/sessions, traces in ${cacheDir(io.env)}/repos`,
  });

  if (json) io.stdout.write(`${JSON.stringify({ checks })}\n`);
  else for (const c of checks) io.stdout.write(`${c.ok ? '✓' : '✗'} ${c.name.padEnd(15)} ${c.detail}\n`);
  return checks.every((c) => c.ok || c.name === 'repository' || c.name === 'test command') ? EXIT.done : EXIT.failed;
}
