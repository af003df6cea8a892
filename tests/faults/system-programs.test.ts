import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { excludeProgramDirs, systemProgram } from '../../src/exec/system-programs.js';
import { parseJsonl, runCli } from '../support/cli.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

let repo: { dir: string; cleanup: () => void };
let home: TempHome;
let server: ScriptedServer;
beforeEach(async () => {
  home = makeTempHome();
  repo = makeTempRepo({ 'a.txt': 'a\n' });
  server = await startScriptedServer();
});
afterEach(async () => {
  await server.close();
  repo.cleanup();
  home.cleanup();
  excludeProgramDirs([]);
});

/** A planted program that leaves a marker and then behaves like the real one (so only the marker tells). */
function plant(dir: string, name: string, real: string, marker: string) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\necho ran > ${marker}\nexec ${real} "$@"\n`);
  chmodSync(file, 0o755);
}

describe('issue 13.10: bash and git are not taken from the repository', () => {
  it("with . on PATH (and a PATH dir inside the repo) the repo's own ./bash and ./git never run", async () => {
    const realBash = systemProgram('bash');
    const realGit = systemProgram('git');
    const marker = join(home.dir, 'planted-ran');
    plant(repo.dir, 'bash', realBash, marker);
    plant(repo.dir, 'git', realGit, marker);
    plant(join(repo.dir, 'bin'), 'git', realGit, marker);
    server.push(
      { tool_calls: [{ name: 'shell', arguments: { command: 'echo shell-ok' } }] },
      { tool_calls: [{ name: 'sed', arguments: { path: 'a.txt', script: 's/a/b/' } }] },
      { text: 'done' },
    );
    const res = await runCli(['exec', '--json', '--yes', '--test-cmd', 'true', 'edit a'], {
      cwd: repo.dir,
      env: {
        ...home.env,
        PATH: `.:${join(repo.dir, 'bin')}:${process.env.PATH ?? ''}`,
        OPENAI_BASE_URL: server.baseURL,
        OPENAI_API_KEY: 'sk-test-programs-1',
        SEDGE_MODEL: 'scripted-model',
      },
    });
    expect(res.code).toBe(0);
    expect(JSON.stringify(parseJsonl(res.stdout))).toContain('shell-ok');
    expect(existsSync(marker)).toBe(false);
  }, 60_000);

  it('resolves to an absolute path outside excluded dirs, skipping relative PATH entries', () => {
    const dir = join(repo.dir, 'tools');
    plant(dir, 'git', '/bin/false', join(home.dir, 'm'));
    excludeProgramDirs([repo.dir]);
    const git = systemProgram('git', `.:${dir}:${process.env.PATH ?? ''}`);
    expect(git.startsWith('/')).toBe(true);
    expect(git.startsWith(repo.dir)).toBe(false);
  });
});
