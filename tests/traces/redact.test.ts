import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedactor, secretEnvValues } from '../../src/traces/redact.js';
import { openTraceStore } from '../../src/traces/store.js';
import { record, tempDir } from './helpers.js';

const CANARY_ENV = 'canaryEnvValue-7f3a9c1e55';
const CANARIES = {
  openai: 'sk-proj-CANARYabcdefghijklmnopqrstuv123456',
  github: 'ghp_CANARY1234567890abcdefghijklmnopqrstuv',
  aws: 'AKIACANARY1234567890',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkxMjMifQ.CANARYsignature_abc123',
  pem: '-----BEGIN RSA PRIVATE KEY-----\nMIIEowCANARYPEMBODY\n-----END RSA PRIVATE KEY-----',
  assigned: 'DB_PASSWORD=CANARYhunter2pw',
  url: 'https://bob:CANARYurlpass@example.com/repo.git',
  bearer: 'Authorization: Bearer CANARYbearer0123456789abcdef',
};

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('redaction', () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  it('masks key, token, PEM, JWT, URL-credential and secret-assignment patterns', async () => {
    const redact = createRedactor({ env: {} });
    for (const [name, secret] of Object.entries(CANARIES)) {
      const out = redact(`before ${secret} after`);
      expect(out, name).toContain('[REDACTED]');
      expect(out, name).not.toMatch(/CANARY(?!.*REDACTED)/);
      expect(out).toContain('before');
    }
    expect(redact('npm test && git status')).toBe('npm test && git status');
    expect(redact('API_KEY=${API_KEY}')).toBe('API_KEY=${API_KEY}');
  });

  it('masks values of secret-named environment variables only', async () => {
    const env = { MY_SERVICE_TOKEN: CANARY_ENV, HOME: '/home/x', EDITOR: 'vim-editor', SOME_KEY: 'true' };
    expect(secretEnvValues(env)).toEqual([CANARY_ENV]);
    expect(createRedactor({ env })(`token is ${CANARY_ENV}.`)).toBe('token is [REDACTED].');
  });

  it('canaries never reach disk; dirs are 0700 and files 0600', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const store = openTraceStore({
      repoId: 'canary-repo',
      cacheDir: t.dir,
      redact: createRedactor({ env: { OPENAI_API_KEY: CANARY_ENV } }),
    });
    const all = Object.values(CANARIES).join(' ; ');
    await store.append(
      record('r1', `deploy with ${all} and ${CANARY_ENV}`, ['src/a.ts'], {
        notes: [`the key ${CANARIES.openai}`],
        reasoning: CANARIES.pem,
        commands: [
          {
            command: `curl -H "Authorization: Bearer CANARYbearer0123456789abcdef" ${CANARIES.url}`,
            exit_code: 0,
            kind: 'other',
          },
        ],
        failed_commands: [`export ${CANARIES.assigned}`],
        summary: `done ${CANARIES.jwt} ${CANARY_ENV}`,
      }),
    );
    store.flush();
    const files = allFiles(t.dir);
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toContain('CANARY');
      expect(text, f).not.toContain(CANARY_ENV);
      expect(statSync(f).mode & 0o777, f).toBe(0o600);
    }
    expect(statSync(store.dir).mode & 0o777).toBe(0o700);
    expect(store.get('r1')!.task).toContain('[REDACTED]');
  });
});
