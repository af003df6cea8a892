import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEY_DOCS, configJsonSchemas } from '../../src/config/json-schema.js';
import { RepoConfigSchema, UserConfigSchema } from '../../src/config/schema.js';

const ROOT = resolve(__dirname, '..', '..');

describe('the config JSON Schemas', () => {
  const schemas = configJsonSchemas();

  it('the shipped schema/*.schema.json files are current (npm run build writes them)', () => {
    for (const [name, schema] of Object.entries(schemas)) {
      const shipped = JSON.parse(readFileSync(join(ROOT, 'schema', name), 'utf8')) as unknown;
      expect(shipped, `${name} is stale: run npm run build`).toEqual(schema);
    }
  });

  it('describe every key of both files, and reject keys the code does not know', () => {
    const user = schemas['config.schema.json'] as { properties: Record<string, { description?: string }> };
    const repo = schemas['repo-config.schema.json'] as { properties: Record<string, unknown> };
    expect(Object.keys(user.properties).sort()).toEqual(Object.keys(UserConfigSchema.shape).sort());
    expect(Object.keys(repo.properties).sort()).toEqual(Object.keys(RepoConfigSchema.shape).sort());
    for (const [key, prop] of Object.entries(user.properties)) expect(prop.description, key).toBeTruthy();
    expect(schemas['config.schema.json']).toMatchObject({ additionalProperties: false });
    expect(schemas['repo-config.schema.json']).toMatchObject({ additionalProperties: false });
  });

  it('a file with "$schema" still loads (editors add it)', () => {
    expect(UserConfigSchema.safeParse({ $schema: './schema/config.schema.json', model: 'm' }).success).toBe(true);
  });

  it('ship in the package', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('schema/');
  });
});

describe('README documents every config key', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Configuration'),
    readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5),
  );
  const rows = new Map(
    section
      .split('\n')
      .filter((l) => l.startsWith('| `'))
      .map((l) => {
        const cells = l.split('|').map((c) => c.trim());
        return [cells[1]?.replace(/`/g, '') ?? '', { user: cells[2], repo: cells[3] }] as const;
      }),
  );
  it('each key of the user file and of .sedge/config.json has a row saying which file may set it', () => {
    for (const key of Object.keys(UserConfigSchema.shape)) {
      expect(rows.get(key), `README has no row for ${key}`).toBeTruthy();
      expect(rows.get(key)?.user).toBe('yes');
      expect(rows.get(key)?.repo).toBe(key in RepoConfigSchema.shape ? 'yes' : 'no');
    }
    expect(Object.keys(CONFIG_KEY_DOCS).sort()).toEqual(Object.keys(UserConfigSchema.shape).sort());
  });
});
