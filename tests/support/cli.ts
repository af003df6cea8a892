import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { findBwrap } from '../../src/exec/sandbox.js';

export const BIN = resolve(__dirname, '..', '..', 'bin', 'sedge.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the built CLI as a user would: a child process, no stdin unless given. */
export function runCli(
  args: string[],
  opts: { cwd: string; env: Record<string, string>; stdin?: string },
): Promise<CliResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH ?? '', LANG: 'C.UTF-8', ...noSandboxHere(), ...opts.env },
      stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
    if (opts.stdin !== undefined && child.stdin) child.stdin.end(opts.stdin);
  });
}

export function parseJsonl(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export const sessionsDir = (home: { XDG_STATE_HOME: string }) => join(home.XDG_STATE_HOME, 'sedge', 'sessions');

/**
 * exec refuses to run without a sandbox. On a machine without bubblewrap (and outside CI, where it is
 * installed) tests that are not about the sandbox run with it off; the sandbox tests skip there themselves.
 */
function noSandboxHere(): Record<string, string> {
  return process.env.CI !== 'true' && !findBwrap('/nonexistent') ? { SEDGE_SANDBOX: 'off' } : {};
}
