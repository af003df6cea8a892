/**
 * TraceRecord: what one run leaves behind for the next task in the same repo, distilled from its
 * AgentEvents by a pure function. Blob hashes of the files are added afterwards (attachBlobHashes),
 * which lets recall notice files that changed since.
 */
import { randomBytes } from 'node:crypto';
import type { AgentEvent } from '../agent/events.js';
import { diffStat } from '../tools/diff-stat.js';
import { runProgram } from '../exec/run-program.js';
import { systemProgram } from '../exec/system-programs.js';

export const TRACE_SCHEMA = 1;

export interface TraceFile {
  path: string;
  /** git blob hash of the file after the run (absent when unknown or deleted) */
  blob?: string;
}

export interface TraceCommand {
  command: string;
  exit_code: number;
  kind: 'test' | 'build' | 'other';
}

export interface TraceRecord {
  schema: number;
  id: string;
  task: string;
  outcome: string;
  verified: boolean | null;
  started_at: number;
  ended_at: number;
  model: string;
  sedge_version: string;
  /** think-tool notes, capped */
  notes: string[];
  /** reasoning text the provider exposed, summarised (head of each) and capped */
  reasoning: string;
  /** commands that worked (exit 0); test/build first */
  commands: TraceCommand[];
  /** commands that failed in this run (a later failure drops an earlier fact) */
  failed_commands: string[];
  /** the test command the gate ran, when it passed */
  test_command: string | null;
  files_read: TraceFile[];
  files_changed: TraceFile[];
  diffstat: { path: string; added: number; removed: number }[];
  steps: number;
  tokens: { input: number; output: number; total: number };
  /** ids of records recalled at the start of this run */
  recalled: string[];
  /** the final answer, capped */
  summary: string;
  /** the session file that holds the run's events (absent in records from before this field) */
  session_id?: string;
  /** the test gate's last verdict (absent: the gate did not run, or a record from before this field) */
  gate?: TraceGate;
  /** what the person did about this run (interactive): approvals, denials, /undo */
  signals?: TraceSignals;
  /** this run was one attempt of `exec --attempts N`: whether it was chosen, and why the winner won */
  attempt?: TraceAttempt;
  /**
   * Where the run left the repository, so a later look can tell what the person did with its change
   * (traces/follow-up.ts): HEAD at the end, and which checkout (a hash of its root path). Interactive and
   * plain exec runs only.
   */
  left?: { head: string | null; checkout: string };
}

export interface TraceGate {
  command: string | null;
  ok: boolean;
  passed: number | null;
  failed: number | null;
  new_failures: number;
  summary: string;
}

export interface TraceSignals {
  /** tool calls the person approved / denied when asked */
  approved: number;
  denied: number;
  /** the person undid this run's file changes (/undo) */
  undone: boolean;
  /** a file the run changed was changed again outside sedge afterwards (before the next run in the checkout) */
  edited_again?: boolean;
  /** a later commit holds the run's version of a file it changed */
  committed?: boolean;
  /** that commit */
  commit?: string;
}

export interface TraceAttempt {
  /** the best-of-N run's id (its folder under the state dir: attempts/<id>) */
  run_id: string;
  index: number;
  of: number;
  chosen: boolean;
  winner: number | null;
  reason: string;
}

const CAP = { note: 600, notes: 6, reasoning: 1200, command: 300, commands: 12, files: 60, summary: 600, task: 4000 };

function cap(text: string, n: number): string {
  const t = text.trim();
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}

export function newTraceId(now = Date.now()): string {
  return `${now.toString(36)}-${randomBytes(4).toString('hex')}`;
}

const TEST_RE =
  /\b(test|tests|pytest|vitest|jest|mocha|tap|ava|rspec|phpunit|go test|cargo test|ctest|tox|nox|make check|unittest)\b/;
const BUILD_RE = /\b(build|tsc|compile|make|cargo build|go build|gradle|mvn|lint|typecheck|eslint|ruff|mypy)\b/;

export function commandKind(cmd: string): TraceCommand['kind'] {
  if (TEST_RE.test(cmd)) return 'test';
  if (BUILD_RE.test(cmd)) return 'build';
  return 'other';
}

function commandOf(args: unknown): string | null {
  if (args && typeof args === 'object' && typeof (args as { command?: unknown }).command === 'string') {
    return (args as { command: string }).command.trim();
  }
  return null;
}

/** Pure: events of one run -> one TraceRecord (not yet redacted; the store redacts before writing). */
export function distillTrace(
  events: AgentEvent[],
  meta: {
    model: string;
    sedgeVersion: string;
    repoRoot: string;
    id?: string;
    /**
     * The run's changes taken from git (working tree at the end against the one at the start), which
     * see every edit whatever made it; when given they replace the files and line counts the sed tool reported.
     */
    changes?: { path: string; added: number; removed: number }[];
  },
): TraceRecord {
  const start = events.find((e) => e.type === 'run_start');
  const end = [...events].reverse().find((e) => e.type === 'run_end');
  const starts = new Map<string, { name: string; args: unknown }>();
  const notes: string[] = [];
  const reasoning: string[] = [];
  const worked = new Map<string, TraceCommand>();
  const failed = new Set<string>();
  const read = new Set<string>();
  const changed = new Set<string>();
  const diffstat = new Map<string, { added: number; removed: number }>();
  const recalled: string[] = [];
  let testCommand: string | null = null;
  let steps = 0;
  let gate: TraceGate | undefined;
  const asked = { approved: 0, denied: 0 };

  for (const e of events) {
    switch (e.type) {
      case 'thought':
        if (e.source === 'think') notes.push(cap(e.text, CAP.note));
        else reasoning.push(cap(e.text, 300));
        break;
      case 'tool_start':
        starts.set(e.call_id, { name: e.name, args: e.args });
        break;
      case 'tool_end': {
        const s = starts.get(e.call_id);
        const cmd = s ? commandOf(s.args) : null;
        const code = e.data?.exit_code;
        if (cmd && code !== undefined) {
          const c = cap(cmd, CAP.command);
          if (code === 0 && !e.is_error && !e.data?.timed_out) {
            worked.set(c, { command: c, exit_code: 0, kind: commandKind(c) });
            failed.delete(c);
          } else {
            failed.add(c);
            worked.delete(c);
          }
        }
        for (const f of e.data?.files_read ?? []) read.add(f);
        for (const f of e.data?.files_changed ?? []) changed.add(f);
        if (e.data?.diff && e.data.files_changed?.length === 1) {
          const f = e.data.files_changed[0]!;
          const prev = diffstat.get(f) ?? { added: 0, removed: 0 };
          const d = diffStat(e.data.diff);
          diffstat.set(f, { added: prev.added + d.added, removed: prev.removed + d.removed });
        }
        break;
      }
      case 'approval':
        if (e.decision !== 'auto') asked[e.decision]++;
        break;
      case 'verify_result':
        if (!e.skipped_reason) {
          const { command, ok, passed, failed: f, summary } = e;
          gate = { command, ok, passed, failed: f, new_failures: e.new_failures.length, summary: cap(summary, 300) };
        }
        if (e.command && e.ok && !e.skipped_reason) testCommand = e.command;
        else if (e.command && !e.ok) failed.add(e.command);
        break;
      case 'recall':
        for (const it of e.items) recalled.push(it.id);
        break;
      case 'step_start':
        steps = Math.max(steps, e.step);
        break;
      default:
        break;
    }
  }
  if (meta.changes) {
    changed.clear();
    diffstat.clear();
    for (const c of meta.changes) {
      changed.add(c.path);
      diffstat.set(c.path, { added: c.added, removed: c.removed });
    }
  }
  for (const f of changed) read.delete(f);
  const order = { test: 0, build: 1, other: 2 } as const;
  const commands = [...worked.values()].sort((a, b) => order[a.kind] - order[b.kind]).slice(0, CAP.commands);
  const usage = end?.type === 'run_end' ? end.usage : undefined;
  const input = usage?.input_tokens ?? 0;
  const output = usage?.output_tokens ?? 0;

  return {
    schema: TRACE_SCHEMA,
    id: meta.id ?? newTraceId(start?.ts),
    task: cap(start?.type === 'run_start' ? start.task : '', CAP.task),
    outcome: end?.type === 'run_end' ? end.status : 'aborted',
    verified: end?.type === 'run_end' ? end.verified : null,
    started_at: start?.ts ?? events[0]?.ts ?? 0,
    ended_at: end?.ts ?? events.at(-1)?.ts ?? 0,
    model: meta.model,
    sedge_version: meta.sedgeVersion,
    notes: notes.slice(0, CAP.notes),
    reasoning: cap(reasoning.join('\n'), CAP.reasoning),
    commands,
    failed_commands: [...failed].slice(0, CAP.commands),
    test_command: testCommand,
    files_read: [...read].slice(0, CAP.files).map((path) => ({ path })),
    files_changed: [...changed].slice(0, CAP.files).map((path) => ({ path })),
    diffstat: [...diffstat.entries()].slice(0, CAP.files).map(([path, d]) => ({ path, ...d })),
    steps: end?.type === 'run_end' ? end.steps : steps,
    tokens: { input, output, total: input + output },
    recalled,
    summary: cap(end?.type === 'run_end' ? end.final_text : '', CAP.summary),
    ...(start?.type === 'run_start' && start.session_id ? { session_id: start.session_id } : {}),
    ...(gate ? { gate } : {}),
    ...(asked.approved || asked.denied ? { signals: { ...asked, undone: false } } : {}),
  };
}

/** Current git blob hashes (`git ls-files -s` for tracked files, hash-object for the rest). */
export async function blobHashes(repoRoot: string, paths: string[]): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  if (!paths.length) return map;
  const git = systemProgram('git');
  const all = await runProgram(git, ['hash-object', '--', ...paths], { cwd: repoRoot });
  if (all.code === 0) {
    const lines = all.stdout.trim().split('\n');
    paths.forEach((p, i) => {
      if (lines[i]) map.set(p, lines[i]);
    });
    return map;
  }
  // one missing file fails the batch: hash one by one
  await Promise.all(
    paths.map(async (p) => {
      const one = await runProgram(git, ['hash-object', '--', p], { cwd: repoRoot });
      if (one.code === 0 && one.stdout.trim()) map.set(p, one.stdout.trim());
    }),
  );
  return map;
}

export async function attachBlobHashes(record: TraceRecord, repoRoot: string): Promise<TraceRecord> {
  const all = [...record.files_changed, ...record.files_read].map((f) => f.path);
  const hashes = await blobHashes(repoRoot, [...new Set(all)]);
  const withBlob = (f: TraceFile): TraceFile =>
    hashes.has(f.path) ? { path: f.path, blob: hashes.get(f.path)! } : { path: f.path };
  return { ...record, files_changed: record.files_changed.map(withBlob), files_read: record.files_read.map(withBlob) };
}
