/**
 * Process-group helpers for the persistent shell: which group owns the terminal, whether a process in it is
 * blocked reading the terminal, and killing a whole group. Linux reads /proc; elsewhere `ps` answers the
 * foreground question and input-wait detection is off (the timeout still applies).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

const hasProc = process.platform === 'linux';

interface Stat {
  state: string;
  pgrp: number;
  tpgid: number;
}

function readStat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name may contain spaces and parentheses: split after the last ')'
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '?', pgrp: Number(fields[2]), tpgid: Number(fields[5]) };
  } catch {
    return null;
  }
}

/** The process group that owns the terminal of `shellPid` (the shell's own pid when it is at its prompt). */
export function foregroundGroup(shellPid: number): number | null {
  if (hasProc) {
    const stat = readStat(shellPid);
    return stat && stat.tpgid > 0 ? stat.tpgid : null;
  }
  try {
    const out = execFileSync('ps', ['-o', 'tpgid=', '-p', String(shellPid)], { encoding: 'utf8', timeout: 2000 });
    const n = Number(out.trim());
    return n > 0 ? n : null;
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) {
        const n = Number(c);
        if (n > 0) out.push(n);
      }
    } catch {
      // the task ended meanwhile
    }
  }
  return out;
}

/** All descendants of `pid` (not including it), breadth first. Linux only; empty elsewhere. */
export function descendants(pid: number): number[] {
  if (!hasProc) return [];
  const seen: number[] = [];
  const queue = childrenOf(pid);
  while (queue.length > 0 && seen.length < 4096) {
    const next = queue.shift() as number;
    seen.push(next);
    queue.push(...childrenOf(next));
  }
  return seen;
}

// read(2), readv(2), pread64(2) on x86_64 and aarch64
const READ_SYSCALLS: Record<string, number[]> = { x64: [0, 17, 19], arm64: [63, 65, 67] };

function isTerminalPath(path: string, ptsName: string | undefined): boolean {
  return path === '/dev/tty' || (ptsName !== undefined && path === ptsName);
}

/** Is this process blocked in a read on the terminal? */
function blockedOnTerminal(pid: number, ptsName: string | undefined): boolean {
  const reads = READ_SYSCALLS[process.arch];
  try {
    const fields = readFileSync(`/proc/${pid}/syscall`, 'utf8').trim().split(' ');
    const nr = Number(fields[0]);
    if (reads && reads.includes(nr) && fields[1]) {
      const fd = Number.parseInt(fields[1], 16);
      return isTerminalPath(readlinkSync(`/proc/${pid}/fd/${fd}`), ptsName);
    }
    if (fields[0] !== undefined && /^\d+$/.test(fields[0])) return false;
  } catch {
    // /proc/<pid>/syscall is not readable everywhere; fall back to wchan
  }
  try {
    return readFileSync(`/proc/${pid}/wchan`, 'utf8').trim() === 'n_tty_read';
  } catch {
    return false;
  }
}

/**
 * True when a process of the terminal's foreground group sleeps in a read on the terminal: it waits for typed
 * input that will never come (a password prompt, `less`, `read x </dev/tty`). Only meaningful while a command
 * runs: the shell itself reads the terminal at its prompt (and counts here, for a builtin `read </dev/tty`).
 */
export function waitingOnTerminal(shellPid: number, ptsName: string | undefined): boolean {
  if (!hasProc) return false;
  const fg = foregroundGroup(shellPid);
  if (fg === null) return false;
  if (fg === shellPid) return blockedOnTerminal(shellPid, ptsName);
  for (const pid of descendants(shellPid)) {
    const stat = readStat(pid);
    if (!stat || stat.pgrp !== fg || stat.state !== 'S') continue;
    if (blockedOnTerminal(pid, ptsName)) return true;
  }
  return false;
}

/** Signal a whole process group; false when it no longer exists. */
export function killGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Does any process with this pid exist (zombies count as gone on Linux)? */
export function processAlive(pid: number): boolean {
  if (hasProc) {
    const stat = readStat(pid);
    return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Does the process group still have a live (non-zombie) member? */
export function groupAlive(pgid: number): boolean {
  if (!killGroup(pgid, 0)) return false;
  if (!hasProc) return true;
  let pids: string[];
  try {
    pids = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const name of pids) {
    if (name.charCodeAt(0) > 57) continue; // not a pid
    const stat = readStat(Number(name));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') return true;
  }
  return false;
}
