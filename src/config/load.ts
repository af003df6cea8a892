import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configDir } from './paths.js';
import {
  DEFAULT_MODEL,
  DEFAULTS,
  type FlagValues,
  RepoConfigSchema,
  UserConfigSchema,
  type RepoConfig,
  type Settings,
  type UserConfig,
} from './schema.js';

export type { FlagValues } from './schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/**
 * Resolve settings. Order, later wins: defaults < user file < repo .sedge/config.json (safe keys only)
 * < environment < flags. A repo file can never choose the endpoint, the key or the model: a cloned
 * repo must not be able to send your key elsewhere.
 */
export function loadSettings(opts: { repoRoot: string | null; env?: Env; flags?: FlagValues }): Settings {
  const env = opts.env ?? process.env;
  const flags = opts.flags ?? {};
  const sources: Record<string, string> = {};
  const warnings: string[] = [];
  const user = readUserConfig(env);
  const repo = opts.repoRoot ? readRepoConfig(opts.repoRoot, warnings) : {};
  if (opts.repoRoot) warnRepoDotEnv(opts.repoRoot, warnings);

  const pick = <T>(key: string, candidates: [string, T | undefined][], fallback: T): T => {
    let value = fallback;
    let source = 'default';
    for (const [src, v] of candidates) if (v !== undefined) (value = v), (source = src);
    sources[key] = source;
    return value;
  };
  const userFile = 'user config';
  const repoFile = '.sedge/config.json';

  const settings: Settings = {
    model: pick(
      'model',
      [
        [userFile, user.model],
        ['SEDGE_MODEL', env.SEDGE_MODEL || undefined],
        ['--model', flags.model],
      ],
      DEFAULT_MODEL,
    ),
    baseURL: pick<string | undefined>(
      'base_url',
      [
        [userFile, user.base_url],
        ['OPENAI_BASE_URL', env.OPENAI_BASE_URL || undefined],
      ],
      undefined,
    ),
    apiKey: env.OPENAI_API_KEY || undefined,
    thinkModel: pick<string | undefined>(
      'think_model',
      [
        [userFile, user.think_model],
        ['SEDGE_THINK_MODEL', env.SEDGE_THINK_MODEL || undefined],
      ],
      undefined,
    ),
    ...optional(user.think_effort, (v) => ({ thinkEffort: v })),
    ...optional(user.reasoning_effort, (v) => ({ reasoningEffort: v })),
    ...optional(
      pick<'chat' | 'responses' | undefined>(
        'api',
        [
          [userFile, user.api],
          ['SEDGE_API', apiFromEnv(env.SEDGE_API)],
          ['--api', flags.api],
        ],
        undefined,
      ),
      (v) => ({ api: v }),
    ),
    models: user.models ?? {},
    test: pick<string | undefined>(
      'test',
      [
        [userFile, user.test],
        [repoFile, repo.test],
        ['--test-cmd', flags.testCmd],
      ],
      undefined,
    ),
    testTimeoutS: pick(
      'test_timeout_s',
      [
        [userFile, user.test_timeout_s],
        [repoFile, repo.test_timeout_s],
      ],
      DEFAULTS.testTimeoutS,
    ),
    maxSteps: pick(
      'max_steps',
      [
        [userFile, user.max_steps],
        [repoFile, repo.max_steps],
        ['--max-steps', flags.maxSteps],
      ],
      DEFAULTS.maxSteps,
    ),
    timeoutS: pick(
      'timeout_s',
      [
        [userFile, user.timeout_s],
        [repoFile, repo.timeout_s],
        ['--timeout', flags.timeoutS],
      ],
      DEFAULTS.timeoutS,
    ),
    verifyRounds: pick(
      'verify_rounds',
      [
        [userFile, user.verify_rounds],
        [repoFile, repo.verify_rounds],
        ['--verify-rounds', flags.verifyRounds],
      ],
      DEFAULTS.verifyRounds,
    ),
    verifyPolicy: pick<'strict' | 'new-only'>(
      'verify_policy',
      [
        [userFile, user.verify_policy],
        [repoFile, repo.verify_policy],
        ['--allow-preexisting', flags.verifyPolicy],
      ],
      DEFAULTS.verifyPolicy,
    ),
    shellTimeoutS: pick(
      'shell_timeout_s',
      [
        [userFile, user.shell_timeout_s],
        [repoFile, repo.shell_timeout_s],
      ],
      DEFAULTS.shellTimeoutS,
    ),
    contextTokens: pick('context_tokens', [[userFile, user.context_tokens]], DEFAULTS.contextTokens),
    maxToolErrors: pick(
      'max_tool_errors',
      [
        [userFile, user.max_tool_errors],
        [repoFile, repo.max_tool_errors],
      ],
      DEFAULTS.maxToolErrors,
    ),
    modelIdleTimeoutS: pick(
      'model_idle_timeout_s',
      [[userFile, user.model_idle_timeout_s]],
      DEFAULTS.modelIdleTimeoutS,
    ),
    modelRetries: pick('model_retries', [[userFile, user.model_retries]], DEFAULTS.modelRetries),
    recall: pick(
      'recall',
      [
        [userFile, user.recall],
        ['--no-recall', flags.recall],
      ],
      DEFAULTS.recall,
    ),
    verify: pick(
      'verify',
      [
        [userFile, user.verify],
        ['--no-verify', flags.verify],
      ],
      DEFAULTS.verify,
    ),
    sandbox: pick<'read-only' | 'workspace-write' | 'off'>(
      'sandbox',
      [
        [userFile, user.sandbox],
        ['SEDGE_SANDBOX', sandboxEnv(env.SEDGE_SANDBOX, warnings)],
        ['--sandbox', flags.sandbox],
      ],
      DEFAULTS.sandbox,
    ),
    network: pick('network', [['--network', flags.network]], false),
    passEnv: flags.passEnv ?? [],
    sources,
    warnings,
  };
  if (settings.apiKey) sources.api_key = 'OPENAI_API_KEY';
  return settings;
}

function optional<V, R>(value: V | undefined, wrap: (v: V) => R): R | Record<string, never> {
  return value === undefined ? {} : wrap(value);
}

function apiFromEnv(v: string | undefined): 'chat' | 'responses' | undefined {
  if (!v) return undefined;
  if (v === 'chat' || v === 'responses') return v;
  throw new ConfigError(`SEDGE_API must be chat or responses, got "${v}"`);
}

function sandboxEnv(v: string | undefined, warnings: string[]): Settings['sandbox'] | undefined {
  if (!v) return undefined;
  if (v === 'read-only' || v === 'workspace-write' || v === 'off') return v;
  warnings.push(`SEDGE_SANDBOX=${v} ignored (read-only, workspace-write or off)`);
  return undefined;
}

function readJson(path: string): unknown | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}

export function userConfigPath(env: Env = process.env): string {
  return join(configDir(env), 'config.json');
}

function readUserConfig(env: Env): UserConfig {
  const path = userConfigPath(env);
  const raw = readJson(path);
  if (raw === undefined) return {};
  const parsed = UserConfigSchema.safeParse(raw);
  if (!parsed.success)
    throw new ConfigError(
      `${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** Settings sedge takes from the environment; a repository's .env naming one is ignored, with a warning. */
const SEDGE_ENV = /^\s*(?:export\s+)?((?:OPENAI|SEDGE)_[A-Z0-9_]*|XDG_[A-Z_]+_HOME)\s*=/gm;

function warnRepoDotEnv(repoRoot: string, warnings: string[]): void {
  let text: string;
  try {
    text = readFileSync(join(repoRoot, '.env'), 'utf8').slice(0, 1_000_000);
  } catch {
    return;
  }
  const names = [...new Set([...text.matchAll(SEDGE_ENV)].map((m) => m[1]))];
  if (names.length)
    warnings.push(
      `${join(repoRoot, '.env')}: ignored ${names.join(', ')} (sedge never reads a repository's .env: endpoints, keys, ` +
        'paths and the sandbox come from your environment, your config file and flags)',
    );
}

function readRepoConfig(repoRoot: string, warnings: string[]): RepoConfig {
  const path = join(repoRoot, '.sedge', 'config.json');
  const raw = readJson(path);
  if (raw === undefined) return {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError(`${path} must hold a JSON object`);
  const allowed = Object.keys(RepoConfigSchema.shape);
  const safe: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (allowed.includes(k)) safe[k] = v;
    else warnings.push(`${path}: ignored key "${k}" (a repository may only set ${allowed.join(', ')})`);
  }
  const parsed = RepoConfigSchema.safeParse(safe);
  if (!parsed.success)
    throw new ConfigError(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
