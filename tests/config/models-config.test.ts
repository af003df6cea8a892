import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runFlags, UsageError } from '../../src/cli/args.js';
import { ConfigError, loadSettings } from '../../src/config/load.js';
import { makeTempHome, makeTempRepo } from '../support/repo.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function setup(user?: object, repoConfig?: object) {
  const home = makeTempHome();
  const repo = makeTempRepo({}, { git: false });
  cleanups.push(home.cleanup, repo.cleanup);
  if (user) {
    mkdirSync(join(home.env.XDG_CONFIG_HOME, 'sedge'), { recursive: true });
    writeFileSync(join(home.env.XDG_CONFIG_HOME, 'sedge', 'config.json'), JSON.stringify(user));
  }
  if (repoConfig) {
    mkdirSync(join(repo.dir, '.sedge'), { recursive: true });
    writeFileSync(join(repo.dir, '.sedge', 'config.json'), JSON.stringify(repoConfig));
  }
  return { env: home.env, root: repo.dir };
}

describe('provider settings', () => {
  it('reads the models table, api, reasoning and think effort from the user file; env and flag choose the api', () => {
    const models = { 'qwen3*': { reasoning: 'drop-old', context_tokens: 262144, prices: { input: 0.4, output: 1.6 } } };
    const { env, root } = setup({ api: 'chat', reasoning_effort: 'low', think_effort: 'high', models });
    const s = loadSettings({ repoRoot: root, env });
    expect(s).toMatchObject({ api: 'chat', reasoningEffort: 'low', thinkEffort: 'high', models });
    expect(loadSettings({ repoRoot: root, env: { ...env, SEDGE_API: 'responses' } }).api).toBe('responses');
    expect(loadSettings({ repoRoot: root, env, flags: runFlags({ api: 'responses' }) }).sources.api).toBe('--api');
  });

  it('refuses a bad entry, a bad SEDGE_API and a bad --api', () => {
    const { env, root } = setup({ models: { 'x*': { reasoning: 'sometimes' } } });
    expect(() => loadSettings({ repoRoot: root, env })).toThrow(ConfigError);
    const ok = setup({});
    expect(() => loadSettings({ repoRoot: ok.root, env: { ...ok.env, SEDGE_API: 'soap' } })).toThrow(/SEDGE_API/);
    expect(() => runFlags({ api: 'soap' })).toThrow(UsageError);
  });

  it('a repository cannot set the models table or the api (ignored with a warning)', () => {
    const { env, root } = setup({}, { models: { 'x*': { api: 'responses' } }, api: 'responses' });
    const s = loadSettings({ repoRoot: root, env });
    expect(s.models).toEqual({});
    expect(s.api).toBeUndefined();
    expect(s.warnings.join('\n')).toMatch(/ignored key "models"/);
  });
});
