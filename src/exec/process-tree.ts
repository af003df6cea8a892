/**
 * Process-group helpers for the persistent shell: which group owns the terminal, whether a process in it is
 * blocked reading the terminal, and killing a whole group. Linux reads /proc; elsewhere `ps` answers the
 * foreground question and input-wait detection is off (the timeout still applies).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, readdirSync, readlinkSync } from 'node:fs';

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

interface SyscallTable {
  /** read(2), readv(2), pread64(2): first argument is the fd */
  read: number[];
  /** poll(2), ppoll(2): a pollfd array and its length */
  poll: number[];
  /** select(2), pselect6(2): nfds and a read fd_set */
  select: number[];
}
const SYSCALLS: Record<string, SyscallTable> = {
  x64: { read: [0, 17, 19], poll: [7, 271], select: [23, 270] },
  arm64: { read: [63, 65, 67], poll: [73], select: [72] },
};

function isTerminalPath(path: string, ptsName: string | undefined): boolean {
  return path === '/dev/tty' || (ptsName !== undefined && path === ptsName);
}

function fdIsTerminal(pid: number, fd: number, ptsName: string | undefined): boolean {
  try {
    return isTerminalPath(readlinkSync(`/proc/${pid}/fd/${fd}`), ptsName);
  } catch {
    return false;
  }
}

function readMemory(pid: number, address: number, length: number): Buffer | null {
  let fd: number | undefined;
  try {
    fd = openSync(`/proc/${pid}/mem`, 'r');
    const buf = Buffer.alloc(length);
    return readSync(fd, buf, 0, length, address) === length ? buf : null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The fds a process blocked in poll/select waits to read from (empty when they cannot be read). */
function polledFds(pid: number, table: SyscallTable, nr: number, args: number[]): number[] {
  const fds: number[] = [];
  const [a0 = 0, a1 = 0] = args;
  if (table.poll.includes(nr)) {
    const count = Math.min(a1, 256);
    const mem = count > 0 ? readMemory(pid, a0, count * 8) : null;
    for (let i = 0; mem && i < count; i++) {
      const events = mem.readInt16LE(i * 8 + 4);
      if (events & 0x3) fds.push(mem.readInt32LE(i * 8)); // POLLIN | POLLPRI
    }
  } else if (table.select.includes(nr) && a1 !== 0) {
    const nfds = Math.min(a0, 1024);
    const mem = nfds > 0 ? readMemory(pid, a1, Math.ceil(nfds / 64) * 8) : null;
    for (let fd = 0; mem && fd < nfds; fd++) if (mem[fd >> 3]! & (1 << (fd & 7))) fds.push(fd);
  }
  return fds;
}

/** Is this process blocked reading, polling or selecting on the terminal? */
function blockedOnTerminal(pid: number, ptsName: string | undefined): boolean {
  const table = SYSCALLS[process.arch];
  try {
    const fields = readFileSync(`/proc/${pid}/syscall`, 'utf8').trim().split(' ');
    if (fields[0] === undefined || !/^\d+$/.test(fields[0])) throw new Error('not in a syscall');
    const nr = Number(fields[0]);
    if (!table) return false;
    const args = fields.slice(1, 4).map((h) => Number.parseInt(h, 16));
    if (table.read.includes(nr)) return fdIsTerminal(pid, args[0] ?? -1, ptsName);
    return polledFds(pid, table, nr, args).some((fd) => fdIsTerminal(pid, fd, ptsName));
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
