import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSessionLog } from '../../src/agent/session-log.js';
import { processAlive } from '../../src/exec/process-tree.js';
import { BIN, parseJsonl, sessionsDir } from '../support/cli.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

let repo: { dir: string; cleanup: () => void };
let home: TempHome;
let server: ScriptedServer;
beforeEach(async () => {
  home = makeTempHome();
  repo = makeTempRepo({ 'a.txt': 'a\n' });
  server = await startScriptedServer();
});
afterEach(async () => {
  await server.close();
  repo.cleanup();
  home.cleanup();
});

/** `sedge exec --json` runs a command that starts a setsid daemon and sleeps; `signal` arrives mid-command. */
async function stopWith(signal: NodeJS.Signals) {
  const pidFile = join(home.dir, 'daemon.pid');
  const tmp = join(home.dir, 'tmp');
  mkdirSync(tmp);
  server.push({
    tool_calls: [
      {
        name: 'shell',
        arguments: {
          command: `setsid bash -c 'echo $$ > ${pidFile}; exec sleep 300' >/dev/null 2>&1 < /dev/null &
            until [ -s ${pidFile} ]; do sleep 0.02; done; echo daemon-up; sleep 60`,
        },
      },
    ],
  });
  server.push({ text: 'never reached' });
  const child = spawn(
    process.execPath,
    [BIN, 'exec', '--json', '--sandbox', 'off', '--no-verify', '--model', 'm', 'signal task'],
    {
      cwd: repo.dir,
      env: {
        PATH: process.env.PATH ?? '',
        ...home.env,
        TMPDIR: tmp,
        OPENAI_API_KEY: 'sk-test-signals-1234',
        OPENAI_BASE_URL: server.baseURL,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let sent = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    // the command's output, not its text in tool_start (which names daemon-up before the daemon exists)
    if (!sent && /"type":"tool_output"[^\n]*daemon-up/.test(stdout)) {
      sent = true;
      child.kill(signal);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, events: parseJsonl(stdout), daemon: Number(readFileSync(pidFile, 'utf8')), tmp };
}

describe('issue 13.5: SIGINT, SIGTERM and SIGHUP', () => {
  for (const [signal, expected] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    it(`${signal}: exit ${expected}, run_end aborted flushed, trace recorded, children ended, temp removed`, async () => {
      const { code, events, daemon, tmp } = await stopWith(signal);
      expect(code).toBe(expected);
      expect(events.at(-1)).toMatchObject({ type: 'run_end', status: 'aborted' });
      const dir = sessionsDir(home.env);
      const [file] = readdirSync(dir);
      const saved = readSessionLog(join(dir, file ?? '')).events;
      expect(saved.at(-1)).toMatchObject({ type: 'run_end', status: 'aborted' });
      const repos = join(home.env.XDG_CACHE_HOME, 'sedge', 'repos');
      const [store] = readdirSync(repos);
      expect(readFileSync(join(repos, store ?? '', 'traces.jsonl'), 'utf8')).toContain('signal task');
      expect(processAlive(daemon)).toBe(false);
      expect(readdirSync(tmp)).toEqual([]);
    }, 30_000);
  }
});
