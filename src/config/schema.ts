import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** Keys a repository's .sedge/config.json may set: how to test and how long to try, never where to connect. */
export const RepoConfigSchema = z
  .object({
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

/** The user's own config file ($XDG_CONFIG_HOME/sedge/config.json) may also choose the endpoint. */
export const UserConfigSchema = RepoConfigSchema.extend({
  model: z.string().min(1).optional(),
  base_url: z.string().url().optional(),
  /** a model that answers think calls (deliberation on demand) */
  think_model: z.string().min(1).optional(),
  context_tokens: positiveInt.optional(),
  recall: z.boolean().optional(),
  verify: z.boolean().optional(),
  /** a model stream with no data for this long is a stall: abort and retry */
  model_idle_timeout_s: positiveInt.optional(),
  /** retries of a failed model request (rate limits, 5xx, stalls, cut streams) */
  model_retries: z.number().int().min(0).max(20).optional(),
}).strict();

export type RepoConfig = z.infer<typeof RepoConfigSchema>;
export type UserConfig = z.infer<typeof UserConfigSchema>;

/** The resolved settings one run uses. */
export interface Settings {
  model: string;
  baseURL?: string;
  /** never printed; only handed to the SDK */
  apiKey?: string;
  thinkModel?: string;
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
  maxToolErrors: 5,
  modelIdleTimeoutS: 120,
  modelRetries: 3,
} as const;
