import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** Keys a repository's .sedge/config.json may set: how to test and how long to try, never where to connect. */
export const RepoConfigSchema = z
  .object({
    /** lets an editor find the JSON Schema (schema/*.schema.json in the package); ignored */
    $schema: z.string().optional(),
    test: z.string().min(1).optional(),
    test_timeout_s: positiveInt.optional(),
    max_steps: positiveInt.optional(),
    timeout_s: positiveInt.optional(),
    verify_rounds: z.number().int().min(0).optional(),
    shell_timeout_s: positiveInt.optional(),
    /** strict: done needs a green suite; new-only: failures that predate the run do not block */
    verify_policy: z.enum(['strict', 'new-only']).optional(),
    /** consecutive failed tool calls that end the run (0 = no cap) */
    max_tool_errors: z.number().int().min(0).optional(),
  })
  .strict();

const effort = z.enum(['minimal', 'low', 'medium', 'high']);

/** One entry of the `models` table (keys: a model name, or a prefix ending in `*`). */
export const ModelEntrySchema = z
  .object({
    api: z.enum(['chat', 'responses']).optional(),
    context_tokens: positiveInt.optional(),
    /** USD per million tokens */
    prices: z
      .object({
        input: z.number().nonnegative(),
        cached_input: z.number().nonnegative().optional(),
        output: z.number().nonnegative(),
      })
      .strict()
      .optional(),
    /** reasoning passback after tool calls: on, off, or drop-old (only after the last user message) */
    reasoning: z.enum(['on', 'off', 'drop-old']).optional(),
    reasoning_effort: effort.optional(),
    reasoning_summary: z.enum(['auto', 'concise', 'detailed']).optional(),
  })
  .strict();

/** The user's own config file ($XDG_CONFIG_HOME/sedge/config.json) may also choose the endpoint. */
export const UserConfigSchema = RepoConfigSchema.extend({
  model: z.string().min(1).optional(),
  base_url: z.string().url().optional(),
  /** a model that answers think calls (deliberation on demand) */
  think_model: z.string().min(1).optional(),
  /** reasoning effort of the think model's answers */
  think_effort: effort.optional(),
  /** chat | responses; unset = chosen per model family and endpoint */
  api: z.enum(['chat', 'responses']).optional(),
  reasoning_effort: effort.optional(),
  models: z.record(z.string().min(1), ModelEntrySchema).optional(),
  context_tokens: positiveInt.optional(),
  recall: z.boolean().optional(),
  verify: z.boolean().optional(),
  /** only the user's own file (or SEDGE_SANDBOX, --sandbox) may choose it, never a repository */
  sandbox: z.enum(['read-only', 'workspace-write', 'off']).optional(),
  /** a model stream with no data for this long is a stall: abort and retry */
  model_idle_timeout_s: positiveInt.optional(),
  /** retries of a failed model request (rate limits, 5xx, stalls, cut streams) */
  model_retries: z.number().int().min(0).max(20).optional(),
}).strict();

export type RepoConfig = z.infer<typeof RepoConfigSchema>;
export type UserConfig = z.infer<typeof UserConfigSchema>;

/** Command-line values; undefined means "not given" (the highest precedence). */
export interface FlagValues {
  model?: string;
  testCmd?: string;
  maxSteps?: number;
  timeoutS?: number;
  verifyRounds?: number;
  verifyPolicy?: 'strict' | 'new-only';
  recall?: boolean;
  verify?: boolean;
  api?: 'chat' | 'responses';
  sandbox?: 'read-only' | 'workspace-write' | 'off';
  network?: boolean;
  /** --env NAME: variables handed to the shell beyond the allowlist */
  passEnv?: string[];
  approval?: 'ask' | 'auto-edit' | 'auto';
}

/** The resolved settings one run uses. */
export interface Settings {
  model: string;
  baseURL?: string;
  /** never printed; only handed to the SDK */
  apiKey?: string;
  thinkModel?: string;
  thinkEffort?: 'minimal' | 'low' | 'medium' | 'high';
  api?: 'chat' | 'responses';
  reasoningEffort?: 'minimal' | 'low' | 'medium' | 'high';
  /** the user's models table */
  models: Record<string, z.infer<typeof ModelEntrySchema>>;
  test?: string;
  testTimeoutS: number;
  maxSteps: number;
  timeoutS: number;
  verifyRounds: number;
  verifyPolicy: 'strict' | 'new-only';
  shellTimeoutS: number;
  contextTokens: number;
  recall: boolean;
  verify: boolean;
  /** how the model's commands and the test command are confined */
  sandbox: 'read-only' | 'workspace-write' | 'off';
  /** the sandbox lets the network through */
  network: boolean;
  /** variables passed to the shell beyond the allowlist (--env NAME) */
  passEnv: string[];
  maxToolErrors: number;
  modelIdleTimeoutS: number;
  modelRetries: number;
  /** where each value came from, for `sedge doctor` and error messages */
  sources: Record<string, string>;
  warnings: string[];
}

export const DEFAULT_MODEL = 'gpt-4.1-mini';

export const DEFAULTS = {
  testTimeoutS: 600,
  maxSteps: 100,
  timeoutS: 0,
  verifyRounds: 3,
  verifyPolicy: 'strict',
  shellTimeoutS: 120,
  contextTokens: 128_000,
  recall: true,
  verify: true,
  sandbox: 'workspace-write',
  maxToolErrors: 5,
  modelIdleTimeoutS: 120,
  modelRetries: 3,
} as const;
