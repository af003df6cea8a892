import { execFileSync } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJsonl, runCli } from '../support/cli.js';
import { makeTempHome, makeTempRepo } from '../support/repo.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

let server: ScriptedServer;
let repo: { dir: string; cleanup: () => void };
let home: ReturnType<typeof makeTempHome>;

beforeEach(async () => {
  server = await startScriptedServer();
  home = makeTempHome();
  repo = makeTempRepo({
    'src/greet.js': 'export function greet(name) {\n  return "Hello, " + nme;\n}\n',
    'src/dirty.js': 'export const dirty = 1;\n',
    'src/both.js': 'one\ntwo\nthree\n',
    'README.md': '# greet\n',
  });
  // already dirty before the run: these changes are the user's, not the run's
  appendFileSync(join(repo.dir, 'src/dirty.js'), 'export const mine = 2;\n');
  writeFileSync(join(repo.dir, 'src/both.js'), 'one\nTWO\nthree\n');
  writeFileSync(join(repo.dir, 'notes.txt'), 'untracked before the run\n');
});

afterEach(async () => {
  await server.close();
  repo.cleanup();
  home.cleanup();
});

const env = () => ({
  ...home.env,
  OPENAI_BASE_URL: server.baseURL,
  OPENAI_API_KEY: 'sk-test-shell-edits-0000',
  SEDGE_MODEL: 'scripted-model',
});

describe('traces record edits made through the shell', () => {
  it('a file changed only by the shell tool is in the trace and in `sedge traces export`', async () => {
    server.push(
      { tool_calls: [{ name: 'shell', arguments: { command: "sed -i 's/ nme;/ name;/' src/greet.js" } }] },
      { tool_calls: [{ name: 'shell', arguments: { command: "sed -i 's/three/THREE/' src/both.js" } }] },
      { tool_calls: [{ name: 'shell', arguments: { command: 'printf "new\\nfile\\n" > src/added.js' } }] },
      { text: 'Fixed the greet typo with sed -i.' },
    );
    const run = await runCli(['exec', '--json', '--yes', '--no-verify', 'fix the greet typo using the shell'], {
      cwd: repo.dir,
      env: env(),
    });
    expect(run.code).toBe(0);
    expect(parseJsonl(run.stdout).at(-1)).toMatchObject({ type: 'run_end', status: 'done' });
    const tools = parseJsonl(run.stdout).filter((e) => e.type === 'tool_start');
    expect(tools.map((e) => e.name)).toEqual(['shell', 'shell', 'shell']);

    const exported = await runCli(['traces', 'export'], { cwd: repo.dir, env: env() });
    expect(exported.code).toBe(0);
    const records = parseJsonl(exported.stdout);
    expect(records).toHaveLength(1);
    const rec = records[0] as {
      files_changed: { path: string; blob?: string }[];
      diffstat: { path: string; added: number; removed: number }[];
    };
    const changed = rec.files_changed.map((f) => f.path).sort();
    // the user's earlier edits (src/dirty.js, notes.txt) are not the run's
    expect(changed).toEqual(['src/added.js', 'src/both.js', 'src/greet.js']);
    const blob = execFileSync('git', ['hash-object', 'src/greet.js'], { cwd: repo.dir, encoding: 'utf8' }).trim();
    expect(rec.files_changed.find((f) => f.path === 'src/greet.js')?.blob).toBe(blob);
    const stat = Object.fromEntries(rec.diffstat.map((d) => [d.path, [d.added, d.removed]]));
    // src/both.js was dirty before the run: only the run's own line counts
    expect(stat).toEqual({ 'src/added.js': [2, 0], 'src/both.js': [1, 1], 'src/greet.js': [1, 1] });

    const show = await runCli(['traces', 'show', (records[0] as { id: string }).id], { cwd: repo.dir, env: env() });
    expect(show.stdout).toContain('changed: src/added.js, src/both.js, src/greet.js');
  }, 60_000);
});
