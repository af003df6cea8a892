import { parseArgs, type ParseArgsConfig } from 'node:util';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FlagValues } from '../config/load.js';
import type { CommandSpec, Options } from './commands.js';
import { commandHelp } from './help.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    throw new UsageError(parseErrorMessage(err as Error & { code?: string }));
  }
}

/** node:util's messages, cut to one line a person reads. */
function parseErrorMessage(err: Error & { code?: string }): string {
  const flag = /'(-[^' ]+)/.exec(err.message)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${flag ?? err.message}`;
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /argument missing/.test(err.message))
    return `${flag} needs a value`;
  if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `${flag} does not take a value`;
  return err.message.replace(/^TypeError \[[A-Z_]+\]: /, '');
}

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * The one argument parser of every subcommand: strict node:util parseArgs over the command table's flags.
 * Returns the parsed values, or an exit code when there is nothing to run: 0 after printing --help, 2 after
 * a one-line usage error and a hint.
 */
export function parseCommand<O extends Options>(spec: CommandSpec<O>, argv: string[], io: CommandIo) {
  let parsed: ReturnType<typeof parse<O>>;
  try {
    parsed = parse(argv, spec.options);
  } catch (err) {
    return usageError(spec, io, (err as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.stdout.write(`${commandHelp(spec)}\n`);
    return 0;
  }
  return parsed;
}

/** `sedge CMD: MESSAGE` and where to look, on stderr; exit code 2. */
export function usageError(spec: { name: string }, io: Pick<CommandIo, 'stderr'>, message: string): 2 {
  const cmd = spec.name ? `sedge ${spec.name}` : 'sedge';
  io.stderr.write(`${cmd}: ${message}\nRun '${cmd} --help' for usage.\n`);
  return 2;
}

/** -C DIR (or the current directory) as an absolute path; a usage error when it is not a directory. */
export function workDir(cwd: string, cd: string | undefined): string {
  if (!cd) return cwd;
  const dir = resolve(cwd, cd);
  let ok = false;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`-C ${cd}: no such directory (${dir})`);
  return dir;
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
  if (values.api !== undefined) {
    if (values.api !== 'chat' && values.api !== 'responses')
      throw new UsageError(`--api needs chat or responses, got "${String(values.api)}"`);
    flags.api = values.api;
  }
  return flags;
}
