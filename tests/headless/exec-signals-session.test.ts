import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSessionLog } from '../../src/agent/session-log.js';
import { BIN, parseJsonl, sessionsDir } from '../support/cli.js';
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

/** Start `sedge exec --json` on a replay that runs `sleep 60`; send `signal` once the command has started. */
async function interrupt(signal: NodeJS.Signals) {
  const script = join(home.dir, 'sleep.jsonl');
  writeFileSync(
    script,
    `${JSON.stringify({ tool_calls: [{ name: 'shell', arguments: { command: 'sleep 60' } }] })}\n{"text":"never"}\n`,
  );
  const child = spawn(
    process.execPath,
    [BIN, 'exec', '--json', '--yes', '--no-verify', '--model', `replay:${script}`, 'x'],
    {
      cwd: repo.dir,
      env: { PATH: process.env.PATH ?? '', ...home.env, OPENAI_API_KEY: 'sk-canary-signal-1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let sessionWhileRunning: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    if (stdout.includes('"type":"tool_start"') && !child.killed) {
      // The session file is readable while the run goes and already holds what stdout showed.
      const [file] = readdirSync(sessionsDir(home.env));
      sessionWhileRunning = readFileSync(join(sessionsDir(home.env), file ?? ''), 'utf8')
        .split('\n')
        .filter(Boolean);
      child.kill(signal);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, events: parseJsonl(stdout), sessionWhileRunning };
}

describe('sedge exec interrupted', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} while a command runs: exit 130/143, run_end aborted last, session complete and private`, async () => {
      const { code, events, sessionWhileRunning } = await interrupt(signal);
      expect(code).toBe(signal === 'SIGTERM' ? 143 : 130);
      expect(events.at(-1)).toMatchObject({ type: 'run_end', status: 'aborted' });
      expect(sessionWhileRunning.map((l) => (JSON.parse(l) as { type: string }).type)).toContain('tool_start');

      const dir = sessionsDir(home.env);
      const [file] = readdirSync(dir);
      const path = join(dir, file ?? '');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      const { events: saved, skipped } = readSessionLog(path);
      expect(skipped).toBe(0);
      expect(saved.map((e) => e.type)).toEqual(events.map((e) => e.type));
      expect(readFileSync(path, 'utf8')).not.toContain('sk-canary-signal-1');
      // A torn last line (a crash mid-write) is skipped on load.
      writeFileSync(path, `${readFileSync(path, 'utf8')}{"type":"tool_st`);
      expect(readSessionLog(path)).toMatchObject({ skipped: 1 });
      expect(readSessionLog(path).events).toHaveLength(saved.length);
    });
  }
});
