import { EXIT } from '../headless/exit-codes.js';
import { MAIN_HELP } from './help.js';
import { VERSION } from './version.js';

export { VERSION };

/**
 * argv -> mode. Each mode is loaded with a dynamic import so a headless run never loads Ink or React.
 */
export async function main(argv: string[]): Promise<number> {
  const io = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
  const [first, ...rest] = argv;
  try {
    switch (first) {
      case '--version':
      case '-V':
        io.stdout.write(`sedge ${VERSION}\n`);
        return EXIT.done;
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(`${MAIN_HELP}\n`);
        return EXIT.done;
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
      default:
        // `sedge`, `sedge "TASK"`, `sedge --continue`, `sedge --resume ID`: the interactive TUI (Ink loads only here)
        return await (await import('./interactive-command.js')).runInteractiveCommand(argv, io);
    }
  } catch (err) {
    io.stderr.write(`sedge: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT.failed;
  }
}

/** An AbortSignal that fires on the first Ctrl-C (for commands that run child processes). */
function interruptSignal(): AbortSignal {
  const ctl = new AbortController();
  process.once('SIGINT', () => ctl.abort(new Error('interrupted')));
  return ctl.signal;
}
