import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalRequest, Decision } from '../../src/agent/types.js';
import { compose } from '../../src/cli/compose.js';
import type { TempHome } from '../support/repo.js';
import { closeScriptedRepo, openScriptedRepo, VALUE_REPO } from '../support/scripted-repo.js';
import type { ScriptedServer } from '../support/scripted-server.js';

let server: ScriptedServer;
let home: TempHome;
let repo: { dir: string; cleanup: () => void };

beforeEach(async () => {
  ({ server, home, repo } = await openScriptedRepo(VALUE_REPO));
});
afterEach(() => closeScriptedRepo({ server, home, repo }));

/** every trace line of the repo's store (a record updated later appears again with the same id) */
function traceLines(): Record<string, unknown>[] {
  const root = join(home.env.XDG_CACHE_HOME, 'sedge', 'repos');
  const [repoId] = readdirSync(root);
  return readFileSync(join(root, repoId as string, 'traces.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('signals in the trace record', () => {
  it('records the gate outcome, approved and denied calls, and a later /undo of the run', async () => {
    server.push(
      { tool_calls: [{ name: 'shell', arguments: { command: 'echo good > value.txt' } }] },
      { tool_calls: [{ name: 'shell', arguments: { command: 'rm check.sh' } }] },
      { text: 'value.txt says good.' },
    );
    const c = await compose({
      cwd: repo.dir,
      env: { ...home.env, OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: 'sk-test-not-a-secret' },
      flags: { model: 'scripted', testCmd: 'sh check.sh', recall: false },
      approvalMode: 'ask',
    });
    const asked: string[] = [];
    const approve = async (req: ApprovalRequest): Promise<Decision> => {
      asked.push(req.title);
      return String(JSON.stringify(req.args)).includes('rm ')
        ? { decision: 'denied', reason: 'keep the tests' }
        : { decision: 'approved' };
    };
    try {
      for await (const _ of c.run('make value.txt say good', new AbortController().signal, { approve })) void _;
      const first = traceLines().at(-1);
      expect(first).toMatchObject({
        outcome: 'done',
        gate: { command: 'sh check.sh', ok: true, new_failures: 0 },
        signals: { approved: 1, denied: 1, undone: false },
      });
      expect(first).not.toHaveProperty('attempt');
      await c.signalLastRun?.({ kind: 'undone' });
    } finally {
      await c.close();
    }
    const lines = traceLines();
    expect(lines).toHaveLength(2);
    expect(lines[1]?.id).toBe(lines[0]?.id);
    expect(lines[1]).toMatchObject({ signals: { approved: 1, denied: 1, undone: true } });
    expect(asked).toHaveLength(2);
  }, 60_000);
});
