import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const REPLAY = join(ROOT, 'examples', 'calc.replay.jsonl');
const tmp = mkdtempSync(join(tmpdir(), 'sedge-pack-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * What a user gets from npm: the packed tarball installs globally (into a temp prefix) and runs with no
 * build step and no compiler (the pty is the prebuilt @lydell/node-pty). dist/ comes from `npm test`'s build.
 */
describe('npm pack, then npm install -g of the tarball', () => {
  it('installs and runs sedge --help, and the pty works from the installed package', { timeout: 300_000 }, () => {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], {
        cwd: ROOT,
        encoding: 'utf8',
      }),
    ) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]?.files.map((f) => f.path) ?? [];
    for (const f of ['bin/sedge.js', 'dist/bin/main.js', 'prompts/system.md', 'schema/config.schema.json'])
      expect(files, f).toContain(f);
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('tests/'))).toBe(false);

    const prefix = join(tmp, 'prefix');
    const tarball = join(tmp, packed[0]?.filename ?? '');
    const install = spawnSync(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
      { encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } },
    );
    expect(install.status, install.stderr).toBe(0);
    const bin = join(prefix, 'bin', 'sedge');
    expect(existsSync(bin)).toBe(true);
    expect(existsSync(join(prefix, 'lib', 'node_modules', 'sedge', 'node_modules', 'node-pty'))).toBe(false);

    const help = spawnSync(bin, ['--help'], { encoding: 'utf8', cwd: tmp });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('sedge exec');

    const doctor = spawnSync(bin, ['doctor', '--json', '--model', `replay:${REPLAY}`], { encoding: 'utf8', cwd: tmp });
    const report = JSON.parse(doctor.stdout) as { checks: { name: string; ok: boolean; detail: string }[] };
    expect(report.checks.find((c) => c.name === 'pty')).toMatchObject({ ok: true });
    expect(doctor.status, doctor.stdout).toBe(0);
  });
});
