import { describe, expect, it } from 'vitest';
import { distillTrace, commandKind } from '../../src/traces/record.js';
import { events } from './helpers.js';

const usage = { input_tokens: 1200, output_tokens: 300, cached_tokens: 0, reasoning_tokens: 0 };

describe('distillTrace', () => {
  const evs = events([
    {
      type: 'run_start',
      version: 1,
      session_id: 's1',
      task: 'Fix the date parser in src/date.ts',
      cwd: '/r',
      model: 'm',
      tools: [],
      approval: 'auto',
    },
    { type: 'recall', items: [{ id: 'old1', task: 't', outcome: 'done', score: 1 }], files: [], tokens: 10 },
    { type: 'step_start', step: 1 },
    { type: 'thought', text: 'The parser ignores time zones.', source: 'think' },
    { type: 'thought', text: 'provider reasoning', source: 'reasoning' },
    {
      type: 'tool_start',
      call_id: 'c1',
      name: 'shell',
      kind: 'execute',
      args: { command: 'npm test' },
      title: 'npm test',
    },
    {
      type: 'tool_end',
      call_id: 'c1',
      name: 'shell',
      is_error: false,
      output: 'ok',
      data: { exit_code: 0 },
      duration_ms: 5,
    },
    {
      type: 'tool_start',
      call_id: 'c2',
      name: 'shell',
      kind: 'execute',
      args: { command: 'npm run lint' },
      title: 'lint',
    },
    {
      type: 'tool_end',
      call_id: 'c2',
      name: 'shell',
      is_error: false,
      output: 'bad',
      data: { exit_code: 1 },
      duration_ms: 5,
    },
    { type: 'tool_start', call_id: 'c3', name: 'sed', kind: 'read', args: { path: 'src/util.ts' }, title: 'view' },
    {
      type: 'tool_end',
      call_id: 'c3',
      name: 'sed',
      is_error: false,
      output: '...',
      data: { files_read: ['src/util.ts', 'src/date.ts'] },
      duration_ms: 1,
    },
    { type: 'tool_start', call_id: 'c4', name: 'sed', kind: 'edit', args: { path: 'src/date.ts' }, title: 'edit' },
    {
      type: 'tool_end',
      call_id: 'c4',
      name: 'sed',
      is_error: false,
      output: 'diff',
      data: { files_changed: ['src/date.ts'], diff: '--- a\n+++ b\n@@\n-old\n+new\n+more\n' },
      duration_ms: 1,
    },
    { type: 'step_start', step: 2 },
    {
      type: 'verify_result',
      round: 1,
      command: 'npm test',
      ok: true,
      passed: 3,
      failed: 0,
      new_failures: [],
      preexisting: [],
      duration_ms: 10,
      output_file: null,
      summary: '3 passed',
    },
    {
      type: 'run_end',
      status: 'done',
      reason: 'ok',
      final_text: 'Fixed the parser.',
      steps: 2,
      usage,
      duration_ms: 20,
      verified: true,
    },
  ]);
  const r = distillTrace(evs, { model: 'm', sedgeVersion: '0.1.0', repoRoot: '/r', id: 'x1' });

  it('keeps task, outcome, notes and tokens', () => {
    expect(r).toMatchObject({
      id: 'x1',
      task: 'Fix the date parser in src/date.ts',
      outcome: 'done',
      verified: true,
      steps: 2,
      summary: 'Fixed the parser.',
    });
    expect(r.notes).toEqual(['The parser ignores time zones.']);
    expect(r.reasoning).toBe('provider reasoning');
    expect(r.tokens).toEqual({ input: 1200, output: 300, total: 1500 });
    expect(r.recalled).toEqual(['old1']);
    expect(r.model).toBe('m');
    expect(r.sedge_version).toBe('0.1.0');
  });

  it('keeps commands that worked, failed ones apart, and the passing test command', () => {
    expect(r.commands).toEqual([{ command: 'npm test', exit_code: 0, kind: 'test' }]);
    expect(r.failed_commands).toEqual(['npm run lint']);
    expect(r.test_command).toBe('npm test');
  });

  it('separates files read from files changed, with a diff stat', () => {
    expect(r.files_changed).toEqual([{ path: 'src/date.ts' }]);
    expect(r.files_read).toEqual([{ path: 'src/util.ts' }]);
    expect(r.diffstat).toEqual([{ path: 'src/date.ts', added: 2, removed: 1 }]);
  });

  it("takes files changed and the diff stat from git's view of the run when given", () => {
    const changes = [
      { path: 'src/date.ts', added: 3, removed: 1 },
      { path: 'src/util.ts', added: 1, removed: 0 },
      { path: 'src/fmt.ts', added: 0, removed: 0 },
    ];
    const g = distillTrace(evs, { model: 'm', sedgeVersion: '0.1.0', repoRoot: '/r', id: 'x1', changes });
    expect(g.files_changed).toEqual([{ path: 'src/date.ts' }, { path: 'src/util.ts' }, { path: 'src/fmt.ts' }]);
    expect(g.diffstat).toEqual(changes);
    // a file read and then changed (by a shell command) counts as changed only
    expect(g.files_read).toEqual([]);
    const none = distillTrace(evs, { model: 'm', sedgeVersion: '0.1.0', repoRoot: '/r', id: 'x1', changes: [] });
    expect(none.files_changed).toEqual([]);
    expect(none.diffstat).toEqual([]);
  });

  it('is pure: same events, same record', () => {
    expect(distillTrace(evs, { model: 'm', sedgeVersion: '0.1.0', repoRoot: '/r', id: 'x1' })).toEqual(r);
  });

  it('copes with a run without run_end (killed)', () => {
    const partial = distillTrace(evs.slice(0, 5), { model: 'm', sedgeVersion: '0', repoRoot: '/r' });
    expect(partial.outcome).toBe('aborted');
    expect(partial.id).toMatch(/^[a-z0-9]+-[0-9a-f]{8}$/);
  });

  it('classifies commands', () => {
    expect(commandKind('pytest -q tests/')).toBe('test');
    expect(commandKind('npx tsc --noEmit')).toBe('build');
    expect(commandKind('ls -la')).toBe('other');
  });
});
