import { describe, expect, it } from 'vitest';
import { toModelError } from '../../src/model/openai.js';
import { ModelError } from '../../src/model/types.js';
import { createRedactor, looksSecret, MIN_SECRET_LENGTH } from '../../src/secrets/redact.js';

describe('the one redaction function', () => {
  it('never masks a short literal: a dummy key "x" leaves every x alone (issue 8)', () => {
    const redact = createRedactor({ env: { OPENAI_API_KEY: 'x', MY_TOKEN: 'abc' }, extra: ['x', 'dummy'] });
    expect(redact('x marks the spot; max(x, y)')).toBe('x marks the spot; max(x, y)');
    expect(MIN_SECRET_LENGTH).toBeGreaterThanOrEqual(8);
    const long = createRedactor({ env: {}, extra: ['my-long-endpoint-key-123'] });
    expect(long('key my-long-endpoint-key-123 here')).toBe('key [REDACTED] here');
  });

  it('masks a password said in prose (a think note)', () => {
    const redact = createRedactor({ env: {} });
    expect(redact('the password is hunter2pw, then')).toBe('the password is [REDACTED], then');
    expect(redact('The API key was: abcd1234efgh')).toBe('The API key was: [REDACTED]');
    expect(redact('the token is valid')).toBe('the token is valid');
    expect(redact('this password is')).toBe('this password is');
  });

  it('tells secret-looking values apart', () => {
    expect(looksSecret('ghp_CANARY1234567890abcdefghijklmnopqrstuv')).toBe(true);
    expect(looksSecret('https://u:pw@host/x')).toBe(true);
    expect(looksSecret('/usr/local/bin:/usr/bin')).toBe(false);
    expect(looksSecret('C.UTF-8')).toBe(false);
  });

  it('model errors: a dummy key does not garble the message, a real one is cut out', () => {
    const signal = new AbortController().signal;
    const err = new ModelError('bad request: max_tokens exceeds context', 400, false);
    expect((toModelError(err, signal, 'x') as Error).message).toBe('bad request: max_tokens exceeds context');
    const echoed = new ModelError('invalid key sk-live-abcdefghijklmnop1234', 401, false);
    expect((toModelError(echoed, signal, 'sk-live-abcdefghijklmnop1234') as Error).message).not.toContain('abcdefghij');
  });

  it('masks one sample of every shape it knows (the quick pre-check lets none through)', () => {
    const redact = createRedactor({ env: {} });
    const samples = [
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----',
      '-----BEGIN OPENSSH KEY-----\nabc\n-----END OPENSSH KEY-----',
      'eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2Q',
      'sk-proj-abcdefghijklmnop1234',
      'rk_live_abcdefghijklmnop1234',
      'ghs_abcdefghijklmnopqrstuvwxyz0123456789',
      'github_pat_abcdefghijklmnopqrstuvwxyz0123456789ABCDEF',
      'glpat-abcdefghijklmnopqrst',
      'xoxb-1234567890-abcdef',
      'AKIAABCDEFGHIJKLMNOP',
      'AIzaSyA1234567890abcdefghijklmnopqrstuv',
      'hf_abcdefghijklmnopqrstuvwxyz0123456',
      'npm_abcdefghijklmnopqrstuvwxyz0123456789',
      'BEARER abcdefghijklmnop1234',
      'postgres://admin:hunter2pw@db.example/x',
      'the passphrase is s3cr3t-words',
      'DB_PASSWD=hunter2pw',
      'private_key: abcd1234',
    ];
    for (const s of samples) expect(redact(`before ${s} after`), s).toContain('[REDACTED]');
    expect(redact('an ordinary line of test output: 3 passed, 0 failed')).toBe(
      'an ordinary line of test output: 3 passed, 0 failed',
    );
  });
});
