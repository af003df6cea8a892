import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/agent/events.js';
import { compose } from '../../src/cli/compose.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';
import { type ScriptedServer, startScriptedServer } from '../support/scripted-server.js';

/** A suite that takes 5 s and passes (a real child process the gate runs for the baseline and at the end). */
const SLOW_SUITE = "setTimeout(() => { console.log('ok 1 - slow'); process.exit(0); }, 5000);\n";

let server: ScriptedServer;
let home: TempHome;
let repo: { dir: string; cleanup: () => void };

beforeEach(async () => {
  server = await startScriptedServer();
  home = makeTempHome();
  repo = makeTempRepo({ 'src/a.js': 'export const a = 1;\nexport const b = 2;\n', 'slow-suite.js': SLOW_SUITE });
});
afterEach(async () => {
  await server.close();
  home.cleanup();
  repo.cleanup();
});

async function runTask(task: string, env: Record<string, string> = {}, testCmd?: string): Promise<AgentEvent[]> {
  const composition = await compose({
    cwd: repo.dir,
    env: { ...home.env, OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'sk-test-not-a-secret', ...env },
    flags: { model: 'scripted', ...(testCmd ? { testCmd } : {}) },
    approvalMode: 'auto',
  });
  const events: AgentEvent[] = [];
  try {
    for await (const e of composition.run(task, new AbortController().signal)) events.push(e);
  } finally {
    await composition.close();
  }
  return events;
}

type Of<T extends AgentEvent['type']> = Extract<AgentEvent, { type: T }>;
const starts = (events: AgentEvent[]) => events.filter((e): e is Of<'tool_start'> => e.type === 'tool_start');
const ends = (events: AgentEvent[]) => events.filter((e): e is Of<'tool_end'> => e.type === 'tool_end');

describe('tool kind per call', () => {
  it('a sed view is a read: it returns at once while a 5 s baseline runs; the sed edit after it waits', async () => {
    server.push(
      { tool_calls: [{ name: 'sed', arguments: { path: 'src/a.js', script: '1,2p' } }] },
      { tool_calls: [{ name: 'sed', arguments: { path: 'src/a.js', script: 's/= 2/= 3/' } }] },
      { text: 'Changed b to 3.' },
    );
    const events = await runTask('set b to 3', {}, 'node slow-suite.js');
    const [viewStart, editStart] = starts(events);
    const [viewEnd, editEnd] = ends(events);
    expect(viewStart?.kind).toBe('read');
    expect(editStart?.kind).toBe('edit');
    expect(viewEnd?.output).toContain('export const b = 2;');
    // the view did not wait for the baseline run
    expect(viewEnd!.ts - viewStart!.ts).toBeLessThan(1000);
    // ...which was really running: the edit waited for it (the baseline started with the run)
    const runStart = events.find((e) => e.type === 'run_start')!;
    expect(editEnd!.ts - runStart.ts).toBeGreaterThan(4000);
    expect(editEnd?.is_error).toBe(false);
    const end = events.at(-1);
    expect(end?.type === 'run_end' && end.status).toBe('done');
  });
});

describe('settings resolved once in compose', () => {
  it("the user config's test command is the one the gate runs", async () => {
    mkdirSync(join(home.env.XDG_CONFIG_HOME, 'sedge'), { recursive: true });
    writeFileSync(
      join(home.env.XDG_CONFIG_HOME, 'sedge', 'config.json'),
      JSON.stringify({ test: 'node user-suite.js' }),
    );
    writeFileSync(join(repo.dir, 'user-suite.js'), "console.log('user suite ran'); process.exit(0);\n");
    server.push({ tool_calls: [{ name: 'shell', arguments: { command: 'echo hi > note.txt' } }] }, { text: 'Done.' });
    const events = await runTask('write a note');
    const verify = events.filter((e) => e.type === 'verify_result');
    expect(verify.length).toBeGreaterThan(0);
    for (const v of verify) expect(v.type === 'verify_result' && v.command).toBe('node user-suite.js');
  });
});
