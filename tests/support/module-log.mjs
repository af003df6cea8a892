// Loaded with --import: records every module URL the process resolves to the file in SEDGE_MODULE_LOG.
import { register } from 'node:module';

register('./module-log-hooks.mjs', { parentURL: import.meta.url, data: { file: process.env.SEDGE_MODULE_LOG } });
