import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../config/load.js';
import { EXIT } from '../headless/exit-codes.js';
import { type Io, runExec } from '../headless/exec.js';
import { ModelConfigError } from '../model/create.js';
import { parse, RUN_OPTIONS, runFlags, UsageError } from './args.js';
import { attemptSpecs, runAttemptsCommand } from './attempts-command.js';
import { compose } from './compose.js';
import { EXEC_HELP } from './help.js';

const EXEC_OPTIONS = {
  ...RUN_OPTIONS,
  json: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  verbose: { type: 'boolean', short: 'v' },
  attempts: { type: 'string' },
  models: { type: 'string' },
  temperatures: { type: 'string' },
  'keep-worktrees': { type: 'boolean' },
  judge: { type: 'string' },
} as const;

/** `sedge exec [options] TASK`: argv -> a composition -> the headless runner (headless/exec.ts). */
export async function runExecCommand(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parse(argv, EXEC_OPTIONS);
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${EXEC_HELP}\n`);
    return EXIT.done;
  }
  if (positionals.length === 0)
    return usage(io, 'missing TASK: sedge exec "describe the task" (or - to read it from stdin)');
  let task = positionals.join(' ').trim();
  if (task === '-') task = (await readAll(io.stdin)).trim();
  if (!task) return usage(io, 'the task is empty');

  const cwd = values.cd ? resolve(io.cwd, values.cd) : io.cwd;
  if (!isDirectory(cwd)) return usage(io, `-C ${values.cd}: ${cwd} is not a directory`);
  // Progress is optional: if stderr goes away (`2>&1 | head`), stop writing it and carry on.
  let stderrGone = false;
  io.stderr.on('error', () => (stderrGone = true));
  const progress = (s: string) => void (stderrGone || io.stderr.write(s));

  const bestOfN = values.attempts !== undefined || values.models !== undefined || values.temperatures !== undefined;
  if (bestOfN || values['keep-worktrees'] || values.judge !== undefined) {
    try {
      if (!bestOfN) throw new UsageError('--keep-worktrees and --judge need --attempts N');
      const specs = attemptSpecs(values.attempts, values.models, values.temperatures);
      const flags = runFlags(values);
      const json = Boolean(values.json);
      const keepWorktrees = Boolean(values['keep-worktrees']);
      const req = { task, cwd, flags, json, keepWorktrees, progress, ...(values.judge ? { judge: values.judge } : {}) };
      return await runAttemptsCommand(req, specs, io);
    } catch (err) {
      if (err instanceof UsageError || err instanceof ConfigError || err instanceof ModelConfigError)
        return usage(io, err.message);
      throw err;
    }
  }

  let composition;
  try {
    const flags = runFlags(values);
    const onWarning = (m: string) => progress(`sedge: ${m}\n`);
    composition = await compose({ cwd, env: io.env, flags, approvalMode: 'auto', onWarning });
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof ModelConfigError)
      return usage(io, err.message);
    throw err;
  }
  return runExec(composition, { task, json: Boolean(values.json), verbose: Boolean(values.verbose), progress }, io);
}

function usage(io: Io, message: string): number {
  io.stderr.write(`sedge exec: ${message}\nRun 'sedge exec --help' for options.\n`);
  return EXIT.usage;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
