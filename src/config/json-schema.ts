import { z } from 'zod';
import { RepoConfigSchema, UserConfigSchema } from './schema.js';

/**
 * One line per config key: what it does. The generated JSON Schema carries these (editors show them on
 * hover) and a test checks that README documents every key of both files.
 */
export const CONFIG_KEY_DOCS: Record<string, string> = {
  $schema: 'the JSON Schema this file follows (for editors); ignored by sedge',
  test: 'the command that runs the tests (otherwise detected from CI files and manifests)',
  test_timeout_s: 'seconds one run of the test command may take (default 600)',
  max_steps: 'model turns per task before the run stops with status limit (default 100)',
  timeout_s: 'seconds per task before the run stops with status limit (default: no limit)',
  verify_rounds: 'times failing tests are handed back to the model before giving up (default 3)',
  shell_timeout_s: 'default seconds one shell command may run (default 120)',
  verify_policy: 'strict: done needs a green suite; new-only: failures that predate the run do not block',
  model: 'model name, or replay:FILE for a scripted model (default gpt-4.1-mini)',
  base_url: 'an OpenAI-compatible endpoint, e.g. http://localhost:11434/v1',
  think_model: 'a model that answers think calls (deliberation on demand)',
  think_effort: 'reasoning effort of the think model: minimal, low, medium or high',
  api: 'chat or responses: which OpenAI API to speak (unset: chosen per model family and endpoint)',
  reasoning_effort: 'reasoning effort of the main model: minimal, low, medium or high',
  models: 'per-model entries (name or prefix*): api, context_tokens, prices, reasoning passback, effort, summary',
  context_tokens: 'the context window the conversation is kept within (default 128000)',
  recall: 'hand the model what earlier runs in this repo learned (default true)',
  verify: 'run the tests before a task may finish (default true)',
  max_tool_errors: 'failed tool calls in a row that end the run with status limit (default 5; 0 = no cap)',
  model_retries: 'retries of a failed model request: rate limits, 5xx, stalls, cut streams (default 3)',
  model_idle_timeout_s: 'seconds a model stream may stay silent before it is retried (default 120)',
  sandbox: 'workspace-write (default), read-only or off; only the user may choose it, never a repository',
};

function toSchema(schema: z.ZodType, title: string): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  const props = (json.properties ?? {}) as Record<string, Record<string, unknown>>;
  for (const [key, prop] of Object.entries(props)) {
    const doc = CONFIG_KEY_DOCS[key];
    if (!doc) throw new Error(`config key ${key} has no entry in CONFIG_KEY_DOCS`);
    prop.description = doc;
  }
  return { ...json, title };
}

/** The JSON Schemas of the two config files, by file name (written to schema/ by the build). */
export function configJsonSchemas(): Record<string, Record<string, unknown>> {
  return {
    'config.schema.json': toSchema(UserConfigSchema, 'sedge user config ($XDG_CONFIG_HOME/sedge/config.json)'),
    'repo-config.schema.json': toSchema(RepoConfigSchema, 'sedge repository config (.sedge/config.json)'),
  };
}
