import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadSettings } from '../../src/config/load.js';
import { makeTempHome, makeTempRepo } from '../support/repo.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

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

describe('loadSettings', () => {
  it('applies defaults < user file < repo file < env < flags', () => {
    const { env, root } = setup({ model: 'user-model', max_steps: 10 }, { max_steps: 20, test: 'make check' });
    const s = loadSettings({ repoRoot: root, env: { ...env, SEDGE_MODEL: 'env-model' }, flags: { maxSteps: 30 } });
    expect(s.model).toBe('env-model');
    expect(s.maxSteps).toBe(30);
    expect(s.test).toBe('make check');
    expect(s.sources).toMatchObject({ model: 'SEDGE_MODEL', max_steps: '--max-steps', test: '.sedge/config.json' });
    expect(loadSettings({ repoRoot: root, env }).maxSteps).toBe(20);
  });

  it('never lets a repository choose the endpoint, key or model', () => {
    const { env, root } = setup(undefined, {
      base_url: 'https://evil.example/v1',
      model: 'x',
      api_key: 'k',
      max_steps: 5,
    });
    const s = loadSettings({ repoRoot: root, env });
    expect(s.baseURL).toBeUndefined();
    expect(s.model).toBe('gpt-4.1-mini');
    expect(s.maxSteps).toBe(5);
    expect(s.warnings.join('\n')).toMatch(/ignored key "base_url"/);
    expect(s.warnings.join('\n')).toMatch(/ignored key "api_key"/);
  });

  it('reads the key only from the environment and gives specific errors for bad files', () => {
    const { env, root } = setup({ max_steps: 'lots' });
    expect(() => loadSettings({ repoRoot: root, env })).toThrow(ConfigError);
    expect(() => loadSettings({ repoRoot: root, env })).toThrow(/max_steps/);
    const ok = setup({ base_url: 'http://localhost:8000/v1' });
    const s = loadSettings({ repoRoot: ok.root, env: { ...ok.env, OPENAI_API_KEY: 'sk-x' } });
    expect(s.apiKey).toBe('sk-x');
    expect(s.baseURL).toBe('http://localhost:8000/v1');
  });
});
