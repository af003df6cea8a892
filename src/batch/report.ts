import { existsSync } from 'node:fs';
import { readSummary, summaryPath } from './outputs.js';
import type { TaskResult, TaskStatus } from './types.js';

export interface BatchReport {
  dirs: string[];
  tasks_total: number;
  counts: Partial<Record<TaskStatus, number>>;
  /** tasks whose change passed the test gate */
  verified: number;
  /** tests failing before a task's change and passing after it, over all tasks */
  tests_fixed: number;
  /** tasks that fixed at least one failing test */
  tasks_fixing_tests: number;
  tokens: number;
  cost_usd: number | null;
  stops: { reason: string; not_started: string[] }[];
  slowest: { id: string; duration_ms: number; status: TaskStatus }[];
  tasks: {
    id: string;
    repo: string;
    status: TaskStatus;
    exit_code: number;
    tests: string | null;
    /** failing / passing tests before the change and after it ("1 failed, 2 passed -> 3 passed") */
    tests_before_after: string | null;
    tests_fixed: string[];
    duration_ms: number;
    cost_usd: number | null;
    patch_bytes: number;
    reason: string;
  }[];
}

export class ReportError extends Error {
  override name = 'ReportError';
}

/** Merge the summary.jsonl of one or more batch outputs (shards) into one report; tasks sorted by id. */
export function buildReport(dirs: string[]): BatchReport {
  const byId = new Map<string, TaskResult>();
  const stops: BatchReport['stops'] = [];
  for (const dir of dirs) {
    if (!existsSync(summaryPath(dir))) throw new ReportError(`${dir}: no summary.jsonl (not a batch output)`);
    for (const line of readSummary(dir)) {
      if (line.type === 'stop') stops.push({ reason: line.reason, not_started: line.not_started });
      else if (line.type === 'task') {
        const { type: _type, ...result } = line;
        byId.set(line.id, result);
      }
    }
  }
  const results = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const counts: BatchReport['counts'] = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  const costs = results.map((r) => r.cost_usd).filter((c): c is number => c !== null);
  const fixed = new Map(results.map((r) => [r.id, fixedTests(r)]));
  return {
    dirs,
    tasks_total: results.length,
    counts,
    verified: results.filter((r) => r.verified === true).length,
    tests_fixed: [...fixed.values()].reduce((n, f) => n + f.length, 0),
    tasks_fixing_tests: [...fixed.values()].filter((f) => f.length > 0).length,
    tokens: results.reduce((n, r) => n + r.tokens.input_tokens + r.tokens.output_tokens, 0),
    cost_usd: costs.length ? Math.round(costs.reduce((a, b) => a + b, 0) * 1e6) / 1e6 : null,
    stops,
    slowest: [...results]
      .sort((a, b) => b.duration_ms - a.duration_ms)
      .slice(0, 5)
      .map((r) => ({ id: r.id, duration_ms: r.duration_ms, status: r.status })),
    tasks: results.map((r) => ({
      id: r.id,
      repo: r.repo,
      status: r.status,
      exit_code: r.exit_code,
      tests: r.tests_after?.summary ?? null,
      tests_before_after: beforeAfter(r),
      tests_fixed: fixed.get(r.id) ?? [],
      duration_ms: r.duration_ms,
      cost_usd: r.cost_usd,
      patch_bytes: r.patch_bytes,
      reason: r.reason,
    })),
  };
}

/** Tests that failed in the baseline and pass in the last check (results from before these fields: none). */
export function fixedTests(r: TaskResult): string[] {
  const after = r.tests_after;
  if (!after?.rerun) return [];
  return after.fixed ?? [];
}

function counts(t: { passed: number | null; failed: number | null; failing?: string[] }): string {
  const failed = t.failed ?? (t.failing?.length || null);
  const parts = [];
  if (failed) parts.push(`${failed} failed`);
  if (t.passed !== null) parts.push(`${t.passed} passed`);
  return parts.join(', ') || (t.failing?.length === 0 ? 'green' : '?');
}

function beforeAfter(r: TaskResult): string | null {
  const b = r.tests_before;
  const a = r.tests_after;
  if (!b?.failing || !a?.failing) return null;
  return `${counts(b)} -> ${a.rerun ? counts(a) : 'not run again'}`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 160);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function reportMarkdown(r: BatchReport): string {
  const out = ['# sedge batch report', ''];
  out.push(`${r.tasks_total} task(s) from ${r.dirs.length} output dir(s).`, '');
  out.push('| status | tasks |', '|---|---|');
  for (const [status, n] of Object.entries(r.counts).sort()) out.push(`| ${status} | ${n} |`);
  out.push('');
  out.push(`- tests pass after the change (gate verified): ${r.verified}`);
  out.push(
    `- tests fixed (failing before the change, passing after): ${r.tests_fixed} in ${r.tasks_fixing_tests} task(s)`,
  );
  out.push(`- tokens: ${r.tokens}`);
  out.push(`- total cost: ${r.cost_usd === null ? 'unknown (no prices set)' : `$${r.cost_usd.toFixed(4)}`}`);
  for (const s of r.stops) out.push(`- stopped early: ${s.reason}; not started: ${s.not_started.join(', ') || 'none'}`);
  out.push('', '## Slowest tasks', '');
  for (const s of r.slowest) out.push(`- ${s.id}: ${secs(s.duration_ms)} (${s.status})`);
  out.push(
    '',
    '## Tasks',
    '',
    '| id | status | exit | tests before -> after | fixed | time | patch | reason |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const t of r.tasks)
    out.push(
      `| ${cell(t.id)} | ${t.status} | ${t.exit_code} | ${cell(t.tests_before_after ?? t.tests ?? '-')} | ` +
        `${t.tests_fixed.length} | ${secs(t.duration_ms)} | ` +
        `${t.patch_bytes} B | ${cell(t.reason)} |`,
    );
  return `${out.join('\n')}\n`;
}
