import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJsonl, runCli } from '../support/cli.js';
import { makeTempHome, makeTempRepo } from '../support/repo.js';
import { startScriptedServer, type ChatRequest, type ScriptedServer } from '../support/scripted-server.js';

let server: ScriptedServer;
let repo: { dir: string; cleanup: () => void };
let home: ReturnType<typeof makeTempHome>;

beforeEach(async () => {
  server = await startScriptedServer();
  home = makeTempHome();
  repo = makeTempRepo({
    'package.json': JSON.stringify({ name: 'greet', type: 'module', scripts: { test: 'node test.js' } }),
    'test.js':
      "import { greet } from './src/greet.js';\nif (greet('Ada') !== 'Hello, Ada') { console.error('bad'); process.exit(1); }\nconsole.log('1 passed');\n",
    'src/greet.js': 'export function greet(name) {\n  return "Hello, " + nme;\n}\n',
    'src/other.js': 'export const other = 1;\n',
  });
});

afterEach(async () => {
  await server.close();
  repo.cleanup();
  home.cleanup();
});

const env = () => ({
  ...home.env,
  OPENAI_BASE_URL: server.baseURL,
  OPENAI_API_KEY: 'sk-test-e2e-0000',
  SEDGE_MODEL: 'scripted-model',
});

function firstUserText(req: ChatRequest | undefined): string {
  const m = req?.messages.find((x) => x.role === 'user');
  return typeof m?.content === 'string' ? m.content : JSON.stringify(m?.content ?? '');
}

describe('recall end to end', () => {
  it("a related second run starts with the first run's files and test command; --no-recall has none", async () => {
    server.push(
      { tool_calls: [{ name: 'sed', arguments: { path: 'src/greet.js', script: 's/ nme;/ name;/' } }] },
      { tool_calls: [{ name: 'shell', arguments: { command: 'npm test' } }] },
      { text: 'Fixed the greet typo.' },
    );
    const first = await runCli(['exec', '--json', '--yes', 'fix the greet function typo'], {
      cwd: repo.dir,
      env: env(),
    });
    expect(first.code).toBe(0);
    expect(parseJsonl(first.stdout).at(-1)).toMatchObject({ type: 'run_end', status: 'done' });
    const storeDirs = readdirSync(join(home.env.XDG_CACHE_HOME, 'sedge', 'repos'));
    expect(storeDirs).toHaveLength(1);

    const before = server.requests.length;
    server.push({ text: 'Nothing to do.' });
    const second = await runCli(['exec', '--json', '--yes', 'make greet trim the name'], { cwd: repo.dir, env: env() });
    expect(second.code).toBe(0);
    const req = server.requests[before];
    const user = firstUserText(req);
    expect(user).toContain('<prior_work>');
    expect(user).toContain('src/greet.js');
    expect(user).toContain('npm test');
    const system = req?.messages.find((m) => m.role === 'system');
    expect(JSON.stringify(system?.content ?? '')).not.toContain('prior_work');
    const recallEvent = parseJsonl(second.stdout).find((e) => e.type === 'recall') as
      | { items: { task: string }[] }
      | undefined;
    expect(recallEvent?.items[0]?.task).toContain('greet function typo');

    const before3 = server.requests.length;
    server.push({ text: 'Nothing to do.' });
    const third = await runCli(['exec', '--json', '--yes', '--no-recall', 'make greet trim the name'], {
      cwd: repo.dir,
      env: env(),
    });
    expect(third.code).toBe(0);
    expect(firstUserText(server.requests[before3])).not.toContain('<prior_work>');
    expect(parseJsonl(third.stdout).some((e) => e.type === 'recall')).toBe(false);
  }, 60_000);
});
