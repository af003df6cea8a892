import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { FlagValues } from '../config/load.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Flags shared by every mode that runs the agent. */
export const RUN_OPTIONS = {
  model: { type: 'string', short: 'm' },
  'max-steps': { type: 'string' },
  timeout: { type: 'string' },
  'test-cmd': { type: 'string' },
  'no-verify': { type: 'boolean' },
  'verify-rounds': { type: 'string' },
  'allow-preexisting': { type: 'boolean' },
  'no-recall': { type: 'boolean' },
  cd: { type: 'string', short: 'C' },
  sandbox: { type: 'string' },
  network: { type: 'boolean' },
  env: { type: 'string', multiple: true },
  approval: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

function int(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} needs a whole number ≥ ${min}, got "${v}"`);
  return n;
}

/** Parse a duration in seconds: "90", "90s", "5m", "1h". */
export function seconds(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(v.trim());
  if (!m) throw new UsageError(`--${name} needs a duration like 90, 90s, 5m or 1h, got "${v}"`);
  const n = Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
  if (n <= 0) throw new UsageError(`--${name} must be positive`);
  return Math.ceil(n);
}

const SANDBOX_MODES = ['read-only', 'workspace-write', 'off'] as const;
const APPROVAL_MODES = ['ask', 'auto-edit', 'auto'] as const;

function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${String(v)}"`);
}

export function runFlags(values: Record<string, string | boolean | string[] | undefined>): FlagValues {
  const flags: FlagValues = {};
  const sandbox = oneOf('sandbox', values.sandbox, SANDBOX_MODES);
  if (sandbox) flags.sandbox = sandbox;
  const approval = oneOf('approval', values.approval, APPROVAL_MODES);
  if (approval) flags.approval = approval;
  if (values.network) flags.network = true;
  if (Array.isArray(values.env)) {
    for (const name of values.env)
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`--env needs a variable name, got "${name}"`);
    flags.passEnv = values.env;
  }
  if (typeof values.model === 'string') flags.model = values.model;
  if (typeof values['test-cmd'] === 'string') flags.testCmd = values['test-cmd'];
  const steps = int('max-steps', values['max-steps'] as string | undefined, 1);
  if (steps !== undefined) flags.maxSteps = steps;
  const t = seconds('timeout', values.timeout as string | undefined);
  if (t !== undefined) flags.timeoutS = t;
  const rounds = int('verify-rounds', values['verify-rounds'] as string | undefined, 0);
  if (rounds !== undefined) flags.verifyRounds = rounds;
  if (values['no-verify']) flags.verify = false;
  if (values['allow-preexisting']) flags.verifyPolicy = 'new-only';
  if (values['no-recall']) flags.recall = false;
  return flags;
}
