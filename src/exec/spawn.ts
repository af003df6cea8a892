/**
 * One-shot commands (the test gate, detection probes): bash -c in a process group of its own so a timeout or
 * abort kills everything it started, and so does sedge exiting; no stdin, no TTY, CI=1. Output is captured per
 * stream and interleaved (in arrival order), bounded in memory, and normalised for a model.
 *
 * Node's own spawn, not a wrapper library: the test gate runs this twice per task, and in a batch the
 * wrapper's per-call work was a measurable share of the driver's CPU (bench/batch.js).
 */
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { onProcessExit } from './exit-cleanup.js';
import { createCapture, presentOutput } from './output.js';
import { groupAlive, killGroup } from './process-tree.js';
import { awaitGone, newProcTag, reapTagged, TAG_VAR } from './reaper.js';
import { ENV_DEFAULTS, mergeEnv } from './shell-env.js';
import { runProgram } from './run-program.js';
import { systemProgram } from './system-programs.js';

export interface RunCommandOptions {
  cwd: string;
  timeoutMs: number;
  /** added to the environment; `undefined` removes a variable */
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** most characters kept per stream (head and tail); default 8 MB */
  maxOutputBytes?: number;
  /** time between SIGTERM and SIGKILL (ms) */
  killGraceMs?: number;
  /** bash by default */
  shell?: string;
  /** argv in front of `bash -c CMD`, e.g. the sandbox's launcher */
  launcher?: string[];
  /**
   * the launcher runs the command in a PID namespace of its own that ends with it (bwrap --unshare-pid):
   * nothing it starts can outlive it, so the /proc scan for processes carrying the tag is not needed
   */
  contained?: boolean;
}

export interface RunCommandResult {
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in the order they arrived */
  output: string;
  /** null when killed by a signal */
  exitCode: number | null;
  timedOut: boolean;
  interrupted: boolean;
  durationMs: number;
  truncated: boolean;
}

/** How long output pipes may stay open after the command and everything it started have been ended. */
const PIPE_GRACE_MS = 200;

export async function runCommand(cmd: string, opts: RunCommandOptions): Promise<RunCommandResult> {
  const started = performance.now();
  const max = opts.maxOutputBytes ?? 8_000_000;
  const graceMs = opts.killGraceMs ?? 1000;
  // every process the command starts carries the tag, even after setsid or a double fork: see reaper.ts
  const tag = newProcTag();
  const env = mergeEnv(ENV_DEFAULTS, opts.env ?? {}, { [TAG_VAR]: tag });

  const out = createCapture(max);
  const err = createCapture(max);
  const all = createCapture(max * 2);
  const [launchFile, ...launchArgs] = opts.launcher ?? [];
  const shell = opts.shell ?? systemProgram('bash');
  const [file, args] = launchFile ? [launchFile, [...launchArgs, shell, '-c', cmd]] : [shell, ['-c', cmd]];
  const outDecoder = new StringDecoder('utf8');
  const errDecoder = new StringDecoder('utf8');
  const onStdout = (b: Buffer) => {
    const s = outDecoder.write(b);
    out.push(s);
    all.push(s);
  };
  const onStderr = (b: Buffer) => {
    const s = errDecoder.write(b);
    err.push(s);
    all.push(s);
  };
  const result = (code: number | null, timedOut: boolean, interrupted: boolean, startError: string | null) => {
    const tailOut = outDecoder.end();
    const tailErr = errDecoder.end();
    out.push(tailOut);
    err.push(tailErr);
    all.push(tailOut + tailErr);
    if (startError) {
      const line = `sedge: could not start the command: ${startError}\n`;
      err.push(line);
      all.push(line);
    }
    return {
      stdout: presentOutput(out.text()).text,
      stderr: presentOutput(err.text()).text,
      output: presentOutput(all.text()).text,
      exitCode: code,
      timedOut,
      interrupted,
      durationMs: performance.now() - started,
      truncated: out.truncated || err.truncated || all.truncated,
    };
  };

  if (launchFile && opts.contained && process.platform === 'linux') {
    // Nothing it starts can outlive the launcher (its PID namespace ends with it), so there is no group to
    // end afterwards and no tag to scan for: it can run from a helper shell, which starts it for a fraction of
    // what a start from this (large) process costs. A timeout or abort kills the helper's group, the launcher
    // with it, and the launcher's namespace with that.
    const r = await runProgram(file, args, {
      cwd: opts.cwd,
      env,
      timeoutMs: Math.max(1, opts.timeoutMs),
      ...(opts.signal ? { signal: opts.signal } : {}),
      onOutput: (stream, b) => (stream === 'stdout' ? onStdout(b) : onStderr(b)),
    });
    const interrupted = !r.timedOut && opts.signal?.aborted === true;
    return result(
      r.code,
      r.timedOut,
      interrupted,
      r.code === null && !r.timedOut && !interrupted ? (r.error ?? null) : null,
    );
  }

  const child = spawn(file, args, {
    cwd: opts.cwd,
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    windowsHide: true,
  });
  // the result: the exit status once the process has exited and its pipes are closed (or given up on)
  let startError: string | null = null;
  const closed = new Promise<number | null>((resolve) => {
    child.once('error', (err) => {
      startError = err.message;
      resolve(null);
    });
    child.once('close', (code) => resolve(code));
  });
  const pid = child.pid;
  child.stdout?.on('data', onStdout);
  child.stderr?.on('data', onStderr);

  let timedOut = false;
  let interrupted = false;
  let killing: Promise<void> | null = null;
  const killTree = (): Promise<void> => {
    if (pid === undefined) return Promise.resolve();
    killing ??= (async () => {
      if (killGroup(pid, 'SIGTERM')) {
        const end = performance.now() + graceMs;
        while (groupAlive(pid) && performance.now() < end) await new Promise((r) => setTimeout(r, 25));
        if (killGroup(pid, 'SIGKILL')) {
          const killEnd = performance.now() + 2000;
          while (groupAlive(pid) && performance.now() < killEnd) await new Promise((r) => setTimeout(r, 10));
        }
      }
      // what left the group (setsid, double fork) but still carries the tag
      if (!(opts.contained && opts.launcher?.length)) await awaitGone(reapTagged(tag));
    })();
    return killing;
  };
  const timer = setTimeout(
    () => {
      timedOut = true;
      void killTree();
    },
    Math.max(1, opts.timeoutMs),
  );
  const onAbort = () => {
    interrupted = true;
    void killTree();
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });
  // when bash exits, whatever it left running in its group (a server, a stray watcher) goes too, so
  // inherited pipes close and the call returns
  // and pipes are not waited on past that: a process that escaped even the tag (env -i) may hold them open
  let pipeTimer: NodeJS.Timeout | undefined;
  const endPipes = () => {
    pipeTimer = setTimeout(() => {
      child.stdout?.destroy();
      child.stderr?.destroy();
    }, PIPE_GRACE_MS);
  };
  // sedge exiting while the command runs ends its group too
  const untrack =
    pid === undefined
      ? () => false
      : onProcessExit(() => {
          killGroup(pid, 'SIGKILL');
        });
  child.on('exit', () => {
    if (pid === undefined) return;
    void killTree().then(endPipes);
  });

  const code = await closed;
  untrack();
  clearTimeout(timer);
  clearTimeout(pipeTimer);
  opts.signal?.removeEventListener('abort', onAbort);
  if (killing) await killing;
  return result(typeof code === 'number' ? code : null, timedOut, interrupted, startError);
}
