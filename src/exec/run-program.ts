/**
 * Short helper programs sedge runs for itself (git plumbing: tree snapshots, test-tree marks, diffs, repo
 * identity) go through a small pool of long-lived `sh` processes instead of each being started from the Node
 * process. Starting a process from a large Node process is expensive (fork copies its page tables and every
 * page it touches until exec is copied on write: ~5 ms of sedge's own CPU per process on a VM, measured by
 * bench/batch.js), while `sh` forks in a fraction of that. A batch task runs dozens of these.
 *
 * Protocol, one request at a time per helper: the helper reads a script from its stdin that runs the program
 * in a subshell (cwd, environment changes, stdin from a quoted here-document or /dev/null), then prints a
 * marker with a random nonce and the exit status on stdout and stderr. Output before the marker is the
 * program's own. A timeout or abort kills the helper's whole process group (the program with it) and the pool
 * starts another helper for the next request. Anything the protocol cannot carry (input with NUL bytes, an
 * environment name sh cannot export, Windows) runs as a direct child instead, with the same result shape.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { onProcessExit } from './exit-cleanup.js';
import { systemProgram } from './system-programs.js';

export interface ProgramOptions {
  cwd: string;
  /** the program's whole environment (default: process.env) */
  env?: Record<string, string | undefined>;
  /** text on the program's stdin (none: /dev/null) */
  input?: string;
  /** killed after this many ms (0 or unset: no limit) */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Output handed over as it arrives, per stream, instead of collected into the result (whose stdout and
   * stderr are then empty): for long runs whose output the caller bounds itself (a test run).
   */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

export interface ProgramResult {
  /** exit status; 128+N when a signal ended it; null when it was killed for a timeout or abort or could not start */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** why it could not start (missing cwd or program) */
  error?: string;
}

const MAX_HELPERS = 16;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

interface Helper {
  child: ChildProcess;
  env: Record<string, string | undefined>;
  nonce: string;
  busy: boolean;
  dead: boolean;
  out: Buffer[];
  err: Buffer[];
  onData: (() => void) | null;
}

const idle: Helper[] = [];
const everyHelper = new Set<Helper>();
let live = 0;
let exitHooked = false;
const waiting: ((h: Helper | null) => void)[] = [];

function startHelper(): Helper | null {
  let sh: string;
  try {
    sh = systemProgram('sh');
  } catch {
    return null;
  }
  const env = { ...process.env };
  const child = spawn(sh, ['-s'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env, cwd: '/' });
  const h: Helper = {
    child,
    env,
    nonce: randomBytes(16).toString('hex'),
    busy: false,
    dead: false,
    out: [],
    err: [],
    onData: null,
  };
  const gone = () => {
    if (h.dead) return;
    h.dead = true;
    live--;
    const i = idle.indexOf(h);
    if (i >= 0) idle.splice(i, 1);
    h.onData?.();
  };
  child.on('exit', gone);
  child.on('error', gone);
  child.stdin?.on('error', gone);
  child.stdout?.on('data', (b: Buffer) => {
    h.out.push(b);
    h.onData?.();
  });
  child.stderr?.on('data', (b: Buffer) => {
    h.err.push(b);
    h.onData?.();
  });
  live++;
  everyHelper.add(h);
  child.on('exit', () => everyHelper.delete(h));
  // sedge exiting ends what its helpers are running (a test run in a helper would otherwise go on)
  if (!exitHooked) {
    exitHooked = true;
    onProcessExit(() => {
      for (const x of everyHelper) kill(x);
    });
  }
  park(h);
  return h;
}

/** An idle helper holds nothing open for the event loop: sedge may exit while it waits. */
function park(h: Helper): void {
  h.child.unref();
  for (const s of [h.child.stdin, h.child.stdout, h.child.stderr]) (s as { unref?: () => void } | null)?.unref?.();
}

function hold(h: Helper): void {
  h.child.ref();
  for (const s of [h.child.stdin, h.child.stdout, h.child.stderr]) (s as { ref?: () => void } | null)?.ref?.();
}

async function acquire(): Promise<Helper | null> {
  const h = idle.pop();
  if (h) return h;
  if (live < MAX_HELPERS) return startHelper();
  return new Promise((r) => waiting.push(r));
}

function release(h: Helper): void {
  h.busy = false;
  h.out = [];
  h.err = [];
  h.onData = null;
  if (h.dead) {
    waiting.shift()?.(startHelper());
    return;
  }
  const next = waiting.shift();
  if (next) next(h);
  else {
    park(h);
    idle.push(h);
  }
}

function kill(h: Helper): void {
  try {
    process.kill(-(h.child.pid as number), 'SIGKILL');
  } catch {
    h.child.kill('SIGKILL');
  }
}

/** The script for one request, or null when the protocol cannot carry it. */
function script(h: Helper, file: string, args: string[], opts: ProgramOptions): string | null {
  const want = opts.env ?? process.env;
  const changes: string[] = [];
  for (const [k, v] of Object.entries(want)) {
    if (v === undefined || h.env[k] === v) continue;
    if (!NAME.test(k) || v.includes('\0')) return null;
    changes.push(`export ${k}=${quote(v)}`);
  }
  const unset = Object.keys(h.env).filter((k) => h.env[k] !== undefined && want[k] === undefined);
  if (unset.some((k) => !NAME.test(k))) return null;
  if (unset.length) changes.push(`unset ${unset.join(' ')}`);
  if (args.some((a) => a.includes('\0')) || file.includes('\0')) return null;
  let stdin = '</dev/null';
  let doc = '';
  if (opts.input !== undefined) {
    if (opts.input.includes('\0') || (opts.input !== '' && !opts.input.endsWith('\n'))) return null;
    const end = `SEDGE_IN_${h.nonce}`;
    stdin = `<<'${end}'`;
    doc = `${opts.input}${end}\n`;
  }
  const run = [...changes, `exec ${[file, ...args].map(quote).join(' ')}`].join('; ');
  const mark = `SEDGE_END_${h.nonce}`;
  return (
    `if cd -- ${quote(resolve(opts.cwd))}; then ( ${run} ) ${stdin}\n${doc}s=$?; else s=cwd; fi; ` +
    `printf '${mark} %s\\n' "$s"; printf '${mark}\\n' >&2\n`
  );
}

function direct(file: string, args: string[], opts: ProgramOptions): Promise<ProgramResult> {
  return new Promise((done) => {
    const child = execFile(
      file,
      args,
      {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        maxBuffer: 1 << 30,
        ...(opts.timeoutMs ? { timeout: opts.timeoutMs, killSignal: 'SIGKILL' as const } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        encoding: 'utf8',
      },
      (err, stdout0, stderr0) => {
        let [stdout, stderr] = [stdout0, stderr0];
        if (opts.onOutput) {
          if (stdout) opts.onOutput('stdout', Buffer.from(stdout));
          if (stderr) opts.onOutput('stderr', Buffer.from(stderr));
          [stdout, stderr] = ['', ''];
        }
        const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: unknown }) | null;
        if (!e) return done({ code: 0, stdout, stderr, timedOut: false });
        if (typeof e.code === 'number') return done({ code: e.code, stdout, stderr, timedOut: false });
        const killed = Boolean(e.killed) || e.name === 'AbortError';
        done({ code: null, stdout, stderr, timedOut: killed && !opts.signal?.aborted, error: e.message });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/**
 * Where the end marker starts in what a helper wrote (null: not there yet). Only the tail is searched: the
 * marker is the last thing written, and on stdout it ends with the status and a newline.
 */
function markAt(chunks: Buffer[], mark: Buffer, withStatus: boolean): number | null {
  let size = 0;
  let from = chunks.length;
  while (from > 0 && size < mark.length + 64) size += (chunks[--from] as Buffer).length;
  const tail = from === chunks.length - 1 ? (chunks[from] as Buffer) : Buffer.concat(chunks.slice(from));
  const at = tail.lastIndexOf(mark);
  if (at < 0) return null;
  if (withStatus && tail.indexOf(0x0a, at + mark.length + 1) < 0) return null;
  if (!withStatus && tail.length !== at + mark.length + 1) return null;
  let before = 0;
  for (let i = 0; i < from; i++) before += (chunks[i] as Buffer).length;
  return before + at;
}

/**
 * onData for a request whose output is handed over as it arrives. Each chunk goes on at once, in arrival
 * order across the two streams, except a tail that could be the start of the end marker (rare: the marker
 * is a random word, so only a chunk ending in a prefix of it is held, until the stream's next chunk).
 */
function streaming(
  h: Helper,
  mark: Buffer,
  hand: (stream: 'stdout' | 'stderr', chunk: Buffer) => void,
  finish: (r: ProgramResult) => void,
  ended: () => { timedOut: boolean; error: string },
  cwd: string,
): () => void {
  const state = {
    stdout: { held: Buffer.alloc(0), rest: null as Buffer | null },
    stderr: { held: Buffer.alloc(0), rest: null as Buffer | null },
  };
  const take = (name: 'stdout' | 'stderr', chunks: Buffer[]) => {
    const st = state[name];
    if (!chunks.length) return;
    const got = Buffer.concat([st.held, ...chunks]);
    chunks.length = 0;
    if (st.rest) {
      st.rest = Buffer.concat([st.rest, got]);
      st.held = Buffer.alloc(0);
      return;
    }
    const at = got.indexOf(mark);
    if (at >= 0) {
      if (at > 0) hand(name, got.subarray(0, at));
      st.rest = got.subarray(at);
      st.held = Buffer.alloc(0);
      return;
    }
    let keep = Math.min(mark.length - 1, got.length);
    while (keep > 0 && !got.subarray(got.length - keep).equals(mark.subarray(0, keep))) keep--;
    if (got.length > keep) hand(name, got.subarray(0, got.length - keep));
    st.held = got.subarray(got.length - keep);
  };
  return () => {
    take('stdout', h.out);
    take('stderr', h.err);
    const out = state.stdout.rest;
    const err = state.stderr.rest;
    const outDone = out !== null && out.indexOf(0x0a, mark.length) >= 0;
    const errDone = err !== null && err.length === mark.length + 1;
    if (outDone && errDone) {
      const status = (out as Buffer).toString('utf8', mark.length + 1).trim();
      if (status === 'cwd')
        return finish({ code: null, stdout: '', stderr: '', timedOut: false, error: `no such directory: ${cwd}` });
      return finish({ code: Number(status), stdout: '', stderr: '', timedOut: false });
    }
    if (h.dead) {
      for (const name of ['stdout', 'stderr'] as const) {
        const st = state[name];
        if (st.held.length) hand(name, st.held);
        st.held = Buffer.alloc(0);
      }
      finish({ code: null, stdout: '', stderr: '', ...ended() });
    }
  };
}

/** Run a program to its end and collect its output (utf8). Never rejects. */
export async function runProgram(file: string, args: string[], opts: ProgramOptions): Promise<ProgramResult> {
  if (process.platform === 'win32' || opts.signal?.aborted) return direct(file, args, opts);
  const h = await acquire();
  if (!h) return direct(file, args, opts);
  const text = script(h, file, args, opts);
  if (text === null) {
    release(h);
    return direct(file, args, opts);
  }
  h.busy = true;
  hold(h);
  const mark = Buffer.from(`SEDGE_END_${h.nonce}`);
  return new Promise<ProgramResult>((done) => {
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const stop = () => kill(h);
    const finish = (r: ProgramResult) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', stop);
      release(h);
      done(r);
    };
    const stream = opts.onOutput;
    if (stream) {
      h.onData = streaming(
        h,
        mark,
        stream,
        finish,
        () => ({
          timedOut,
          error: timedOut ? 'timed out' : opts.signal?.aborted ? 'aborted' : 'the helper shell ended',
        }),
        opts.cwd,
      );
    } else
      h.onData = () => {
        const o = markAt(h.out, mark, true);
        const e = o === null ? null : markAt(h.err, mark, false);
        if (o !== null && e !== null) {
          const out = Buffer.concat(h.out);
          const status = out.toString('utf8', o + mark.length + 1).trim();
          const stdout = out.toString('utf8', 0, o);
          const stderr = Buffer.concat(h.err).toString('utf8', 0, e);
          if (status === 'cwd')
            return finish({ code: null, stdout, stderr, timedOut: false, error: `no such directory: ${opts.cwd}` });
          return finish({ code: Number(status), stdout, stderr, timedOut: false });
        }
        if (h.dead) {
          const why = timedOut ? 'timed out' : opts.signal?.aborted ? 'aborted' : 'the helper shell ended';
          const stdout = Buffer.concat(h.out).toString('utf8');
          finish({ code: null, stdout, stderr: Buffer.concat(h.err).toString('utf8'), timedOut, error: why });
        }
      };
    if (opts.timeoutMs && opts.timeoutMs > 0)
      timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, opts.timeoutMs);
    opts.signal?.addEventListener('abort', stop, { once: true });
    h.child.stdin?.write(text);
  });
}

/** Like execFile's promise form: stdout on exit 0; otherwise an Error with the last stderr line. */
export async function programOutput(file: string, args: string[], opts: ProgramOptions): Promise<string> {
  const r = await runProgram(file, args, opts);
  if (r.code === 0) return r.stdout;
  const why = r.stderr.trim() || r.error || `exit code ${r.code}`;
  throw Object.assign(new Error(why), { exitCode: r.code, stderr: r.stderr, stdout: r.stdout });
}

/**
 * End the idle helpers and wait until they are gone (reaped: their CPU, and their programs', is then
 * counted as this process's children's). A busy helper ends after its request. Later requests start new ones.
 */
export async function closePrograms(timeoutMs = 2000): Promise<void> {
  const ending = idle.splice(0).map(
    (h) =>
      new Promise<void>((resolve) => {
        if (h.dead) return resolve();
        const timer = setTimeout(resolve, timeoutMs);
        h.child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        hold(h);
        h.child.stdin?.end();
      }),
  );
  await Promise.all(ending);
}
