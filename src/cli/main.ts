import { configDir, stateDir, cacheDir } from '../config/paths.js';
import { closePrograms } from '../exec/run-program.js';
import { EXIT } from '../headless/exit-codes.js';
import { parse, UsageError, usageError } from './args.js';
import { type CommandSpec, findCommand, INTERACTIVE, suggestCommands } from './commands.js';
import { commandHelp, mainHelp } from './help.js';
import { VERSION } from './version.js';

export { VERSION };

type Io = {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: Record<string, string | undefined>;
  cwd: string;
};

/**
 * argv -> mode, through the command table (commands.ts). Each mode is loaded with a dynamic import so a
 * headless run never loads Ink or React. A bare first word that is no command is an error with a
 * suggestion, never a task: a task is a quoted string, -, or what follows --.
 */
export async function main(argv: string[]): Promise<number> {
  const io: Io = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
  quietWhenClosed(io.stdout);
  quietWhenClosed(io.stderr);
  const [first = '', ...rest] = argv;
  try {
    switch (first) {
      case '--version':
      case '-V':
        io.stdout.write(`sedge ${VERSION}\n`);
        return EXIT.done;
      case '--help':
      case '-h':
        io.stdout.write(`${help(io.env)}\n`);
        return EXIT.done;
      case 'help':
        return showHelp(rest[0], io);
      case 'exec':
        return await (await import('./exec-command.js')).runExecCommand(rest, io);
      case 'batch':
        return await (await import('./batch.js')).runBatchCommand(rest, io);
      case 'tests':
        return await (await import('./tests-command.js')).runTestsCommand(rest, { ...io, signal: interruptSignal() });
      case 'traces':
        return await (await import('./traces-command.js')).runTracesCommand(rest, io);
      case 'doctor':
        return await (await import('./doctor.js')).runDoctor(rest, io);
      default: {
        const stray = strayWord(argv);
        if (stray === '-')
          return usageError(INTERACTIVE, io, 'a task from stdin (-) needs a script mode: sedge exec - < task.txt');
        if (stray !== null) return unknownCommand(stray, io);
        // `sedge`, `sedge "TASK"`, `sedge --continue`, `sedge --resume ID`: the interactive TUI (Ink loads only here)
        return await (await import('./interactive-command.js')).runInteractiveCommand(argv, io);
      }
    }
  } catch (err) {
    return failure(err, first, io);
  } finally {
    // the helper shells that ran git for this command end with it
    await closePrograms();
  }
}

function help(env: Io['env']): string {
  return mainHelp({ userConfig: `${configDir(env)}/config.json`, state: stateDir(env), cache: cacheDir(env) });
}

function showHelp(name: string | undefined, io: Io): number {
  if (!name) {
    io.stdout.write(`${help(io.env)}\n`);
    return EXIT.done;
  }
  const spec = findCommand(name);
  if (!spec) return unknownCommand(name, io);
  io.stdout.write(`${commandHelp(spec)}\n`);
  return EXIT.done;
}

/**
 * The first positional before `--` that is a bare word (no space): a mistyped command, not a task; or `-`,
 * which the interactive mode cannot honour (its stdin is the terminal).
 */
export function strayWord(argv: string[]): string | null {
  let tokens: ReturnType<typeof parse>['tokens'];
  try {
    tokens = parse(argv, INTERACTIVE.options).tokens;
  } catch {
    return null; // a bad flag: the interactive mode reports it
  }
  for (const t of tokens) {
    if (t.kind === 'option-terminator') return null;
    if (t.kind === 'positional' && !/\s/.test(t.value.trim())) return t.value;
  }
  return null;
}

function unknownCommand(word: string, io: Io): number {
  const near = suggestCommands(word);
  const hint = near.length ? ` (did you mean: ${near.join(', ')}?)` : '';
  io.stderr.write(
    `sedge: unknown command '${word}'${hint}\n` +
      `A task is one quoted string ("fix the flaky test") or follows --. Run 'sedge --help'.\n`,
  );
  return EXIT.usage;
}

/** Errors that escape a mode: a usage or config problem is exit 2 with one line; anything else has no stack
 * unless SEDGE_DEBUG is set. */
function failure(err: unknown, first: string, io: Io): number {
  const spec: Pick<CommandSpec, 'name'> = findCommand(first) ?? INTERACTIVE;
  const e = err instanceof Error ? err : new Error(String(err));
  const errno = (e as NodeJS.ErrnoException).code;
  if (err instanceof UsageError || /^(ConfigError|ModelConfigError)$/.test(e.name))
    return usageError(spec, io, e.message);
  if (errno === 'ENOENT' || errno === 'EACCES' || errno === 'EISDIR' || errno === 'ENOTDIR')
    return usageError(spec, io, e.message);
  const detail = io.env.SEDGE_DEBUG ? (e.stack ?? e.message) : `${e.message} (SEDGE_DEBUG=1 shows where)`;
  io.stderr.write(`sedge: internal error: ${detail}\n`);
  return EXIT.failed;
}

/**
 * `sedge traces export | head -1`: once the reader is gone, writes fail with EPIPE. Swallow that (and the
 * writes after it) so every subcommand ends quietly instead of dying with a stack.
 */
function quietWhenClosed(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
    if (stream !== process.stderr) process.stderr.write(`sedge: cannot write output: ${err.message}\n`);
  });
}

/** An AbortSignal that fires on the first Ctrl-C (for commands that run child processes). */
function interruptSignal(): AbortSignal {
  const ctl = new AbortController();
  process.once('SIGINT', () => ctl.abort(new Error('interrupted')));
  return ctl.signal;
}
