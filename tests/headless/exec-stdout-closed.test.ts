import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN } from '../support/cli.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';

let repo: { dir: string; cleanup: () => void };
let home: TempHome;
beforeEach(() => {
  home = makeTempHome();
  repo = makeTempRepo({ 'a.txt': 'a\n' });
});
afterEach(() => {
  repo.cleanup();
  home.cleanup();
});

describe('sedge exec --json | head -1', () => {
  it('stops the run quietly when stdout is closed (no EPIPE crash), exit 130', async () => {
    const script = join(home.dir, 'long.jsonl');
    writeFileSync(
      script,
      [{ tool_calls: [{ name: 'shell', arguments: { command: 'sleep 60' } }] }, { text: 'done' }]
        .map((t) => JSON.stringify(t))
        .join('\n'),
    );
    const child = spawn(process.execPath, [BIN, 'exec', '--json', '--model', `replay:${script}`, 'x'], {
      cwd: repo.dir,
      env: { PATH: process.env.PATH ?? '', ...home.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // Read the first line, then go away like `head -1` does.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|internal error/);
    expect(code).toBe(130);
  });
});

describe('sedge exec "TASK" 2>/closed', () => {
  it('keeps working when stderr (progress) goes away, and still prints the answer on stdout', async () => {
    const script = join(home.dir, 'short.jsonl');
    writeFileSync(
      script,
      [{ tool_calls: [{ name: 'shell', arguments: { command: 'echo hi' } }] }, { text: 'the answer' }]
        .map((t) => JSON.stringify(t))
        .join('\n'),
    );
    const child = spawn(process.execPath, [BIN, 'exec', '--no-verify', '--model', `replay:${script}`, 'x'], {
      cwd: repo.dir,
      env: { PATH: process.env.PATH ?? '', ...home.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.once('data', () => child.stderr.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(stdout).toBe('the answer\n');
  });
});
