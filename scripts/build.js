#!/usr/bin/env node
// The second half of `npm run build` (after tsc): bundle dist/ into dist/bin/ with rolldown's API (the CLI
// prints a listing of every chunk, which is noise to someone who typed `npm run demo`), then write the JSON
// Schema of the config files from the zod schema, so the package ships one that matches the code.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';
import config from '../rolldown.config.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build(config);

const { configJsonSchemas } = await import('../dist/config/json-schema.js');
mkdirSync(join(root, 'schema'), { recursive: true });
for (const [name, schema] of Object.entries(configJsonSchemas()))
  writeFileSync(join(root, 'schema', name), `${JSON.stringify(schema, null, 2)}\n`);
