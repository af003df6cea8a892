import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentsInstructions, agentsInstructionsFrom, findAgentsFiles } from '../../src/repo/agents-md.js';
import { repoFacts } from '../../src/repo/identity.js';
import { runCli } from '../support/cli.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

let repo: { dir: string; cleanup: () => void };

beforeAll(() => {
  repo = makeTempRepo({
    'AGENTS.md': 'ROOT: use tabs.\n',
    'pkg/a/AGENTS.md': 'PKG-A: use spaces here.\n',
    'pkg/a/src/x.js': 'x\n',
    'pkg/b/AGENTS.md': 'PKG-B: run make check.\n',
    'pkg/b/deep/AGENTS.md': 'PKG-B-DEEP: no network.\n',
    '.gitignore': 'vendor/\n',
    'vendor/lib/AGENTS.md': 'VENDOR: ignored.\n',
  });
  // not committed yet, but not ignored: it applies too
  mkdirSync(join(repo.dir, 'pkg', 'c'), { recursive: true });
  writeFileSync(join(repo.dir, 'pkg', 'c', 'AGENTS.md'), 'PKG-C: new.\n');
});
afterAll(() => repo.cleanup());

describe('AGENTS.md in subdirectories', () => {
  it('orders them nearest to the working directory first, then the other subtrees; ignored ones are skipped', () => {
    const dirs = findAgentsFiles(repo.dir, join(repo.dir, 'pkg', 'a', 'src')).map((f) => f.dir);
    expect(dirs).toEqual(['pkg/a', '', 'pkg/b', 'pkg/c', 'pkg/b/deep']);
    expect(findAgentsFiles(repo.dir).map((f) => f.dir)).toEqual(['', 'pkg/a', 'pkg/b', 'pkg/c', 'pkg/b/deep']);
  });

  it('labels each file with the subtree it governs and stays within the budget', () => {
    const text = agentsInstructions(repo.dir, join(repo.dir, 'pkg', 'a')) ?? '';
    expect(text.indexOf('PKG-A')).toBeLessThan(text.indexOf('ROOT'));
    expect(text).toContain('--- pkg/a/AGENTS.md (applies to work under pkg/a/) ---');
    expect(text).toContain('--- AGENTS.md (applies to the whole repository) ---');
    expect(text).not.toContain('VENDOR');
    const small = agentsInstructions(repo.dir, repo.dir, 300) ?? '';
    expect(small.length).toBeLessThan(500);
    expect(small).toMatch(/also: .*pkg\/b\/deep\/AGENTS.md/);
  });

  it('the listing made through the helper shells (repoFacts) gives the same block as the synchronous one', async () => {
    const { agentsPaths } = await repoFacts(repo.dir, { agents: true });
    expect([...(agentsPaths ?? [])].sort()).toContain('pkg/a/AGENTS.md');
    const cwd = join(repo.dir, 'pkg', 'a');
    expect(agentsInstructionsFrom(repo.dir, agentsPaths, cwd)).toBe(agentsInstructions(repo.dir, cwd));
    // git cannot list: the files on the way up from the working directory still count
    const upOnly = agentsInstructionsFrom(repo.dir, null, cwd) ?? '';
    expect(upOnly).toContain('PKG-A');
    expect(upOnly).not.toContain('pkg/b/');
  });

  it('is null in a repository without one', () => {
    const bare = makeTempRepo({ 'a.txt': 'x\n' });
    try {
      expect(agentsInstructions(bare.dir)).toBeNull();
    } finally {
      bare.cleanup();
    }
  });
});

describe('how they reach the model', () => {
  let server: ScriptedServer;
  let home: TempHome;
  beforeAll(async () => {
    server = await startScriptedServer();
    home = makeTempHome();
  });
  afterAll(async () => {
    await server.close();
    home.cleanup();
  });

  it('a run started in pkg/a gets every file in the cache-stable prefix and is told pkg/a governs first', async () => {
    server.push({ text: 'ok' });
    const r = await runCli(['exec', '--no-verify', '-C', 'pkg/a', 'say ok'], {
      cwd: repo.dir,
      env: { ...home.env, OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'sk-agents-md-1234', SEDGE_MODEL: 'm' },
    });
    expect(r.code, r.stderr).toBe(0);
    const first = server.requests[0]?.messages.find((m) => m.role === 'user');
    const text = String(first?.content);
    // every file is in the instructions (the same bytes wherever in the repo sedge starts) ...
    const found = ['PKG-A', 'ROOT', 'PKG-B:', 'PKG-C', 'PKG-B-DEEP'].map((m) => text.indexOf(m));
    expect(
      found.every((i) => i >= 0),
      text,
    ).toBe(true);
    // ... and after them, with the task, the ones that govern pkg/a, nearest first
    const note = /govern this directory, nearest first[^:]*: (.*)/.exec(text)?.[1];
    expect(note, text).toBe('pkg/a/AGENTS.md, AGENTS.md');
    expect(text.indexOf('govern this directory')).toBeGreaterThan(Math.max(...found));
  });
});
