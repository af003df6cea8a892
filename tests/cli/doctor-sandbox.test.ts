import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/cli/doctor.js';
import { findBwrap } from '../../src/exec/sandbox.js';
import { makeTempHome, makeTempRepo } from '../support/repo.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

async function doctor(env: Record<string, string>) {
  const home = makeTempHome();
  const repo = makeTempRepo({ 'a.txt': 'a\n' });
  cleanups.push(home.cleanup, repo.cleanup);
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += d));
  await runDoctor(['--json'], {
    stdout,
    stderr: new PassThrough(),
    env: { PATH: process.env.PATH, ...home.env, ...env },
    cwd: repo.dir,
  });
  const { checks } = JSON.parse(out) as { checks: { name: string; ok: boolean; detail: string }[] };
  return checks.find((c) => c.name === 'sandbox');
}

const withBwrap = findBwrap('/nonexistent') || process.env.CI === 'true' ? it : it.skip;

describe('sedge doctor reports the sandbox', () => {
  withBwrap('names bubblewrap, the network and the process limit when it works', async () => {
    const c = await doctor({});
    expect(c).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^workspace-write \(bubblewrap \/.*network off/),
    });
  });

  it('says why none can start and what exec will do', async () => {
    const c = await doctor({ SEDGE_BWRAP: '/nonexistent/bwrap' });
    expect(c).toMatchObject({ ok: false, detail: expect.stringContaining('refuses to run unless --sandbox off') });
  });
});
