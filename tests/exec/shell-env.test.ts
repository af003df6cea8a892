import { describe, expect, it } from 'vitest';
import { allowedEnv, buildShellEnv, ENV_DEFAULTS, SHELL_ENV_DEFAULTS } from '../../src/exec/shell-env.js';

const HOST = {
  PATH: '/usr/bin:/bin',
  HOME: '/home/ada',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  GITHUB_TOKEN: 'ghp_CANARY1234567890abcdefghijklmnopqrstuv',
  AWS_SECRET_ACCESS_KEY: 'CANARYawsSecretAccessKey0123456789abcdef',
  AWS_ACCESS_KEY_ID: 'AKIACANARY1234567890',
  NPM_TOKEN: 'npm_CANARY0123456789abcdefghijklmnopqrstu',
  OPENAI_API_KEY: 'sk-CANARYopenai0123456789abcdef',
  DATABASE_URL: 'postgres://app:CANARYdbpass@db/app',
  HTTPS_PROXY: 'http://user:CANARYproxypass@proxy:3128',
  HTTP_PROXY: 'http://proxy:3128',
  MY_APP_SETTING: 'plain',
  GOPATH: '/home/ada/go',
};

describe('the shell environment is an allowlist', () => {
  it('passes locale, paths and toolchain homes, and no secret', () => {
    const env = allowedEnv(HOST);
    expect(env).toEqual({
      PATH: '/usr/bin:/bin',
      HOME: '/home/ada',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      HTTP_PROXY: 'http://proxy:3128',
      GOPATH: '/home/ada/go',
    });
    expect(JSON.stringify(env)).not.toContain('CANARY');
  });

  it('passes what the user names with --env, but never the endpoint key', () => {
    const env = allowedEnv(HOST, ['MY_APP_SETTING', 'NPM_TOKEN', 'OPENAI_API_KEY']);
    expect(env.MY_APP_SETTING).toBe('plain');
    expect(env.NPM_TOKEN).toBe(HOST.NPM_TOKEN);
    expect(env.OPENAI_API_KEY).toBeUndefined();
  });

  it('keeps one table of command defaults, which the shell extends', () => {
    for (const [k, v] of Object.entries(ENV_DEFAULTS)) expect(SHELL_ENV_DEFAULTS[k]).toBe(v);
    const shell = buildShellEnv();
    expect(shell).toMatchObject({ PAGER: 'cat', GIT_TERMINAL_PROMPT: '0', CI: '1', PS1: '' });
  });
});
