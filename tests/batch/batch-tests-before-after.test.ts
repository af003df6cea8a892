import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempHome, makeTempRepo } from '../support/repo.js';
import {
  type ChatRequest,
  type ScriptStep,
  type ScriptedServer,
  startScriptedServer,
} from '../support/scripted-server.js';
import { batchInProcess } from './fixture.js';

/**
 * result.json carries the gate's own before/after figures: the baseline run (before the model's first change)
 * and the last check, with the tests the change fixed; `sedge batch report` counts the fixed tests from them.
 * Repos: node:test, one test that fails until value.txt says good and one that always passes.
 */
let server: ScriptedServer;
let home: ReturnType<typeof makeTempHome>;
let work: string;
const repos: { dir: string; cleanup: () => void }[] = [];

/** fix: value.txt says good; worse: an edit that leaves the test failing; nofix: no change at all */
const route = (req: ChatRequest): ScriptStep => {
  const first = req.messages.find((m) => m.role === 'user');
  const text = typeof first?.content === 'string' ? first.content : '';
  const kind = /KIND=(\w+)/.exec(/<task>\n([\s\S]*)\n<\/task>/.exec(text)?.[1] ?? text)?.[1];
  const turns = req.messages.filter((m) => m.role === 'assistant').length;
  if (kind === 'nofix' || turns > 0) return { text: 'finished' };
  const script = kind === 'fix' ? 's/bad/good/' : 's/bad/worse/';
  return { tool_calls: [{ name: 'sed', arguments: { path: 'value.txt', script } }] };
};

const TEST_FILE =
  "const { test } = require('node:test');\nconst assert = require('node:assert');\n" +
  "test('value is good', () => assert.match(require('node:fs').readFileSync('value.txt', 'utf8'), /good/));\n" +
  "test('arithmetic still works', () => assert.equal(1 + 1, 2));\n";

beforeAll(async () => {
  server = await startScriptedServer([], { fallback: route });
  home = makeTempHome();
  work = mkdtempSync(join(tmpdir(), 'sedge-batch-ba-'));
  for (let i = 0; i < 2; i++)
    repos.push(makeTempRepo({ 'value.txt': 'bad\n', 'test/value.test.js': TEST_FILE, 'package.json': '{}\n' }));
});

afterAll(async () => {
  await server.close();
  for (const r of repos) r.cleanup();
  home.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('sedge batch: tests before and after each change', () => {
  it('result.json has the baseline and the final check; the report counts the tests fixed', async () => {
    const task = (id: string, repo: string, kind: string) =>
      JSON.stringify({ id, repo, task: `KIND=${kind}: make value.txt say good`, test_cmd: 'node --test test/' });
    const manifest = join(work, 'tasks.jsonl');
    const [a, b] = repos.map((r) => r.dir) as [string, string];
    writeFileSync(
      manifest,
      [task('fixed', a, 'fix'), task('worse', b, 'worse'), task('untouched', b, 'nofix')].join('\n'),
    );
    const out = join(work, 'out');
    const env = {
      ...home.env,
      PATH: process.env.PATH,
      OPENAI_BASE_URL: server.baseURL,
      OPENAI_API_KEY: 'sk-test-batch-000000',
      SEDGE_MODEL: 'scripted-model',
    };
    const res = await batchInProcess([manifest, '--out', out, '--concurrency', '1', '--verify-rounds', '0'], {
      cwd: work,
      env,
    });
    expect(res.stderr).not.toContain('internal error');
    const result = (id: string) => JSON.parse(readFileSync(join(out, id, 'result.json'), 'utf8'));

    // fails before, passes after: the gate's baseline and its check, and the test it fixed
    const fixed = result('fixed');
    expect(fixed.status).toBe('done');
    expect(fixed.tests_before).toEqual({
      command: 'node --test test/',
      passed: 1,
      failed: 1,
      failing: ['value is good'],
      preexisting_failures: 0,
    });
    expect(fixed.tests_after).toMatchObject({
      passed: 2,
      failed: 0,
      failing: [],
      fixed: ['value is good'],
      rerun: true,
    });

    // changed, ran again, still failing: nothing fixed
    const worse = result('worse');
    expect(worse.status).toBe('tests_failed');
    expect(worse.tests_before).toMatchObject({ passed: 1, failed: 1, failing: ['value is good'] });
    expect(worse.tests_after).toMatchObject({
      passed: 1,
      failed: 1,
      failing: ['value is good'],
      fixed: [],
      rerun: true,
    });

    // no change: the tests were not run again; the baseline stands for the after figures
    const untouched = result('untouched');
    expect(untouched.status).toBe('tests_failed');
    expect(untouched.tests_before).toMatchObject({ passed: 1, failed: 1, failing: ['value is good'] });
    expect(untouched.tests_after).toMatchObject({ passed: 1, failed: 1, failing: ['value is good'], rerun: false });

    // the three tasks start from the same tree (the two repos hold the same files): one baseline run in all
    const logs = readdirSync(join(home.dir, 'state', 'sedge', 'test-runs'), { recursive: true }).map(String);
    expect(logs.filter((f) => /(^|\/)baseline-/.test(f))).toHaveLength(1);
    expect(logs.filter((f) => /(^|\/)check-/.test(f))).toHaveLength(2);

    const json = await batchInProcess(['report', out, '--json'], { cwd: work, env });
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ tests_fixed: 1, tasks_fixing_tests: 1 });
    const row = (id: string) => report.tasks.find((t: { id: string }) => t.id === id);
    expect(row('fixed')).toMatchObject({
      tests_fixed: ['value is good'],
      tests_before_after: '1 failed, 1 passed -> 2 passed',
    });
    expect(row('worse')).toMatchObject({
      tests_fixed: [],
      tests_before_after: '1 failed, 1 passed -> 1 failed, 1 passed',
    });
    expect(row('untouched')).toMatchObject({ tests_before_after: '1 failed, 1 passed -> not run again' });
    const md = await batchInProcess(['report', out], { cwd: work, env });
    expect(md.stdout).toContain('- tests fixed (failing before the change, passing after): 1 in 1 task(s)');
    expect(md.stdout).toMatch(/\| fixed \| done \| 0 \| 1 failed, 1 passed -> 2 passed \| 1 \|/);
  }, 120_000);
});
