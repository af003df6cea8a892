/**
 * One persistent bash per session on node-pty. Each command is written to a private temp script and
 * `source`d with stdin from /dev/null, between two random sentinels: the start one printed before the
 * script runs, the end one (with `$?`) printed by PROMPT_COMMAND, which bash runs after every command list
 * — even one a signal cut short — so output and exit code are exact. The terminal never echoes and has no
 * prompt. bash starts on the first run, not before (startup time matters).
 */
import { stripVTControlCharacters } from 'node:util';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { IPty } from '@lydell/node-pty';
import { createFrameParser } from './framing.js';
import { createCapture, presentOutput } from './output.js';
import { descendants, foregroundGroup, groupAlive, killGroup, waitingOnTerminal } from './process-tree.js';
import { onProcessExit } from './exit-cleanup.js';
import { awaitGone, newProcTag, reapTagged, TAG_VAR } from './reaper.js';
import { buildShellEnv, INIT_SCRIPT } from './shell-env.js';
import { systemProgram } from './system-programs.js';

export interface ShellSessionOptions {
  cwd: string;
  /** added to the environment; `undefined` removes a variable */
  env?: Record<string, string | undefined>;
  /** bash by default */
  shell?: string;
  /**
   * argv run in front of the shell, e.g. a sandbox (`['bwrap', ...flags, '--']`), or a function of the
   * session's script dir (which the launcher must make readable). A launcher may start the shell without a
   * controlling terminal (bwrap --new-session): commands are then stopped by signalling bash's children.
   */
  launcher?: string[] | ((scriptDir: string) => string[]);
  /** time between SIGINT and SIGKILL when a command is stopped (ms) */
  killGraceMs?: number;
  /** how often a running command is checked for waiting on terminal input (ms) */
  pollMs?: number;
  /** most characters of one command's output kept in memory (head and tail) */
  maxOutputChars?: number;
}

export interface ShellRunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** normalised output as it arrives (for people; the result holds the exact text) */
  onData?: (text: string) => void;
}

export interface ShellRunResult {
  output: string;
  /** null when the command was killed before bash reported a status */
  exitCode: number | null;
  timedOut: boolean;
  interrupted: boolean;
  /** stopped because it was blocked reading the terminal */
  waitingForInput?: boolean;
  /** bash exited or had to be killed: cwd, variables and functions are back to their initial state */
  shellRestarted?: boolean;
  durationMs: number;
}

export interface ShellSession {
  run(command: string, opts: ShellRunOptions): Promise<ShellRunResult>;
  dispose(): Promise<void>;
}

interface Live {
  term: IPty;
  /** bash itself (found as the terminal's foreground group at its first prompt, so a launcher is seen through) */
  pid: number;
  /** what node-pty started (the launcher, or bash) */
  rootPid: number;
  pts: string | undefined;
  /** bash runs without a controlling terminal (a new session): no job control, no foreground group */
  noTty: boolean;
  exited: boolean;
  exitCode: number | null;
  sink: ((data: string) => void) | null;
  onExit: (() => void) | null;
}

/** The deepest descendant of `root` whose command name is `name` (the shell behind a launcher). */
function findShell(root: number, name: string): number | null {
  let found: number | null = null;
  for (const pid of descendants(root)) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name) found = pid;
    } catch {
      // gone
    }
  }
  return found;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createShellSession(opts: ShellSessionOptions): ShellSession {
  const shell = opts.shell ?? systemProgram('bash');
  const graceMs = opts.killGraceMs ?? 500;
  const pollMs = opts.pollMs ?? 200;
  const maxChars = opts.maxOutputChars ?? 4_000_000;
  let dir: string | null = null;
  let live: Live | null = null;
  let lostWhileIdle = false;
  let resetTerminal = false;
  let disposed = false;
  let counter = 0;
  let queue: Promise<unknown> = Promise.resolve();
  // daemons the model starts (setsid, double forks) carry the tag and end with the session: see reaper.ts
  const tag = newProcTag();
  const untrack = onProcessExit(() => {
    reapTagged(tag, 3);
    if (live && !live.exited)
      for (const pid of new Set([live.pid, live.rootPid])) {
        try {
          process.kill(pid, 'SIGHUP');
        } catch {
          /* gone */
        }
      }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function start(): Promise<Live> {
    const spawn = await loadSpawn();
    dir ??= await mkdtemp(join(tmpdir(), 'sedge-shell-'));
    const initPath = join(dir, 'init.sh');
    await writeFile(initPath, INIT_SCRIPT, { mode: 0o600 });
    const env: Record<string, string> = { ...buildShellEnv(opts.env), [TAG_VAR]: tag };
    const launcher = typeof opts.launcher === 'function' ? opts.launcher(dir) : (opts.launcher ?? []);
    const [file = shell, ...prefix] = [...launcher, shell];
    const term = spawn(file, [...prefix, '--noprofile', '--norc', '--noediting'], {
      name: env.TERM ?? 'dumb',
      cwd: opts.cwd,
      env,
      cols: 200,
      rows: 50,
    });
    const l: Live = {
      term,
      pid: term.pid,
      rootPid: term.pid,
      pts: (term as unknown as { ptsName?: string }).ptsName,
      noTty: false,
      exited: false,
      exitCode: null,
      sink: null,
      onExit: null,
    };
    term.onData((d) => l.sink?.(d));
    term.onExit(({ exitCode }) => {
      l.exited = true;
      l.exitCode = exitCode;
      if (live === l) live = null;
      if (l.onExit) l.onExit();
      else lostWhileIdle = true;
    });
    const nonce = randomBytes(8).toString('hex');
    const ready = `__SEDGE_${nonce}_E_`;
    let seen = '';
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 15_000);
      l.sink = (d) => {
        seen = (seen + d).slice(-4096);
        if (seen.includes(ready)) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      l.onExit = () => {
        clearTimeout(timer);
        resolve(false);
      };
      // -icanon: keystrokes a command pushed onto the terminal (TIOCSTI) are visible to `read -t 0` even
      // without a newline, so __sedge_end can drop them before bash reads its next command
      term.write(` stty -echo -icanon 2>/dev/null; . ${shellQuote(initPath)}; __sedge_n=${nonce}\n`);
    });
    l.sink = null;
    l.onExit = null;
    // behind a launcher, bash is the launcher's deepest descendant of that name; a launcher that started a
    // new session (a sandbox) leaves it without a controlling terminal
    const behind = ok && launcher.length > 0 ? findShell(term.pid, basename(shell)) : null;
    if (behind !== null && foregroundGroup(behind) === null) {
      l.noTty = true;
      l.pid = behind;
    } else {
      const atPrompt = ok ? foregroundGroup(term.pid) : null;
      if (atPrompt !== null) l.pid = atPrompt;
    }
    if (!ok) {
      await killShell(l);
      throw new Error(
        `could not start ${shell}: ${stripVTControlCharacters(seen).trim().slice(-300) || 'no response'}`,
      );
    }
    return l;
  }

  function killShell(l: Live): Promise<void> {
    if (l.exited) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const prev = l.onExit;
      const pids = new Set([l.pid, l.rootPid]);
      // Background jobs live in their own process groups: note them now, so they go down even when bash
      // has to be SIGKILLed (a SIGKILLed bash cannot pass SIGHUP on).
      const jobs = new Set([...pids].flatMap((p) => descendants(p)));
      const signal = (sig: NodeJS.Signals) => {
        for (const pid of pids) {
          try {
            process.kill(pid, sig);
          } catch {
            /* gone */
          }
        }
      };
      const reap = () => {
        for (const pid of jobs) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      };
      const timer = setTimeout(() => {
        signal('SIGKILL');
        reap();
        resolve();
      }, 1000);
      l.onExit = () => {
        clearTimeout(timer);
        reap();
        prev?.();
        resolve();
      };
      // SIGHUP: bash passes it on to its jobs, then exits
      signal('SIGHUP');
    });
  }

  /** Stop the running command: SIGINT to the foreground group, SIGKILL after the grace. false = bash is stuck. */
  async function stopCommand(l: Live, finished: Promise<void>): Promise<boolean> {
    const finishedWithin = (ms: number) => Promise.race([finished.then(() => true), delay(ms).then(() => false)]);
    if (l.noTty) return stopWithoutTerminal(l, finishedWithin);
    const signalled = new Set<number>();
    const interrupts = new Map<number, number>();
    const fg = foregroundGroup(l.pid);
    if (fg !== null) {
      killGroup(fg, 'SIGINT');
      if (fg !== l.pid) signalled.add(fg), interrupts.set(fg, 1);
    }
    let done = await finishedWithin(graceMs);
    const deadline = performance.now() + graceMs * 2;
    while (!done && !l.exited && performance.now() < deadline) {
      const g = foregroundGroup(l.pid);
      if (g === null) break;
      if (g === l.pid) killGroup(g, 'SIGINT');
      // A SIGINT can land while the child is still between fork and exec (running bash's own handler) and be
      // lost; so a group gets SIGINT twice before SIGKILL. bash only drops the rest of a command when its
      // child died of SIGINT.
      else if ((interrupts.get(g) ?? 0) < 2) {
        signalled.add(g);
        interrupts.set(g, (interrupts.get(g) ?? 0) + 1);
        killGroup(g, 'SIGINT');
      } else killGroup(g, 'SIGKILL');
      done = await finishedWithin(100);
    }
    // what is left of the groups we signalled (children that ignore SIGINT) gets SIGKILL after the grace
    const graceEnd = performance.now() + graceMs;
    for (const g of signalled) {
      while (groupAlive(g) && performance.now() < graceEnd) await delay(25);
      if (!killGroup(g, 'SIGKILL')) continue;
      // delivery is asynchronous: return once the group is really gone
      const killEnd = performance.now() + 2000;
      while (groupAlive(g) && performance.now() < killEnd) await delay(10);
    }
    return done || l.exited;
  }

  /**
   * Without job control, Ctrl-C on a terminal would reach bash and the command alike (one process group);
   * do the same: SIGINT to bash and its descendants, so bash drops the rest of the command when the child
   * dies of it. Twice, then SIGKILL for the descendants that ignore it.
   */
  async function stopWithoutTerminal(l: Live, finishedWithin: (ms: number) => Promise<boolean>): Promise<boolean> {
    const signalAll = (pids: number[], sig: NodeJS.Signals) => {
      for (const pid of pids) {
        try {
          process.kill(pid, sig);
        } catch {
          // gone
        }
      }
    };
    signalAll([l.pid, ...descendants(l.pid)], 'SIGINT');
    let done = await finishedWithin(graceMs);
    const deadline = performance.now() + graceMs * 2;
    for (let round = 1; !done && !l.exited && performance.now() < deadline; round++) {
      if (round < 2) signalAll([l.pid, ...descendants(l.pid)], 'SIGINT');
      else signalAll(descendants(l.pid), 'SIGKILL');
      done = await finishedWithin(100);
    }
    return done || l.exited;
  }

  async function runOne(command: string, ro: ShellRunOptions): Promise<ShellRunResult> {
    if (disposed) throw new Error('shell session was disposed');
    const started = performance.now();
    if (ro.signal?.aborted) {
      return { output: '', exitCode: null, timedOut: false, interrupted: true, durationMs: 0 };
    }
    let restarted = lostWhileIdle;
    lostWhileIdle = false;
    const l = live ?? (live = await start());
    const nonce = randomBytes(8).toString('hex');
    const script = join(dir as string, `cmd-${++counter}.sh`);
    await writeFile(script, command.endsWith('\n') ? command : `${command}\n`, { mode: 0o600 });

    const capture = createCapture(maxChars);
    let lastDataAt = performance.now();
    let finish!: () => void;
    const finished = new Promise<void>((r) => {
      finish = r;
    });
    const frame = createFrameParser(
      nonce,
      (text) => {
        capture.push(text);
        if (ro.onData) {
          const shown = presentOutput(text).text;
          if (shown) ro.onData(shown);
        }
      },
      () => finish(),
    );
    l.sink = (data) => {
      lastDataAt = performance.now();
      frame.push(data);
    };
    l.onExit = () => finish();

    const prefix = resetTerminal ? 'stty sane -echo -icanon 2>/dev/null; ' : '';
    resetTerminal = false;
    l.term.write(` ${prefix}__sedge_n=${nonce}; __sedge_start; . ${shellQuote(script)} </dev/null\n`);

    const reason = await new Promise<'done' | 'timeout' | 'abort' | 'input'>((resolve) => {
      let inputHits = 0;
      const timer = setTimeout(() => settle('timeout'), Math.min(Math.max(1, ro.timeoutMs), 2 ** 31 - 1));
      const poll = setInterval(() => {
        const quiet = performance.now() - lastDataAt >= pollMs;
        inputHits = quiet && frame.phase === 'body' && waitingOnTerminal(l.pid, l.pts) ? inputHits + 1 : 0;
        if (inputHits >= 2) settle('input');
      }, pollMs);
      const onAbort = () => settle('abort');
      function settle(r: 'done' | 'timeout' | 'abort' | 'input') {
        clearTimeout(timer);
        clearInterval(poll);
        ro.signal?.removeEventListener('abort', onAbort);
        resolve(r);
      }
      void finished.then(() => settle('done'));
      if (ro.signal?.aborted) settle('abort');
      else ro.signal?.addEventListener('abort', onAbort, { once: true });
    });

    if (reason !== 'done' && !l.exited) {
      resetTerminal = true;
      const stopped = await stopCommand(l, finished);
      if (!stopped) {
        l.onExit = null;
        await killShell(l);
        if (live === l) live = null;
        restarted = true;
      }
    }
    let exitCode = frame.exitCode;
    if (l.exited) {
      restarted = true;
      if (frame.phase !== 'end' && l.exitCode !== null && reason === 'done') exitCode = l.exitCode;
    }
    frame.flush();
    l.sink = null;
    l.onExit = null;
    await unlink(script).catch(() => undefined);

    let output = presentOutput(capture.text()).text;
    // a stopped command: bash adds a line break after a job killed by a signal
    output = reason === 'done' ? output.replace(/\n$/, '') : output.replace(/\n+$/, '');
    if (l.exited && reason === 'done') output = output.replace(/(?:^|\n)exit$/, '');
    return {
      output,
      exitCode,
      timedOut: reason === 'timeout',
      interrupted: reason === 'abort',
      ...(reason === 'input' ? { waitingForInput: true } : {}),
      ...(restarted ? { shellRestarted: true } : {}),
      durationMs: performance.now() - started,
    };
  }

  return {
    run(command, ro) {
      const p = queue.then(() => runOne(command, ro));
      queue = p.catch(() => undefined);
      return p;
    },
    async dispose() {
      disposed = true;
      const l = live;
      live = null;
      if (l) await killShell(l);
      await awaitGone(reapTagged(tag));
      if (dir) await rm(dir, { recursive: true, force: true });
      dir = null;
      untrack();
    },
  };
}

type PtyModule = typeof import('@lydell/node-pty');

/** node-pty (the prebuilt @lydell/node-pty distribution, same API), loaded on first use. */
async function loadSpawn(): Promise<PtyModule['spawn']> {
  const mod = (await import('@lydell/node-pty')) as PtyModule & { default?: PtyModule };
  return mod.spawn ?? (mod.default as PtyModule).spawn;
}

/** Can a pty start a process here? (for `sedge doctor`) Resolves to what the child printed. */
export async function probePty(timeoutMs = 5000): Promise<string> {
  const spawn = await loadSpawn();
  return new Promise<string>((resolve, reject) => {
    const p = spawn('/bin/sh', ['-c', 'echo pty-ok'], { cols: 80, rows: 24 });
    let data = '';
    const timer = setTimeout(() => {
      p.kill();
      reject(new Error(`no answer from a pty within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    p.onData((d) => {
      data += d;
    });
    p.onExit(() => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}
