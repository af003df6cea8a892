import { basename, isAbsolute, resolve } from 'node:path';
import type { BatchTask } from './types.js';

/** A manifest problem, named by file and line: a usage error (exit 2), raised before any task runs. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

const KEYS = new Set(['id', 'repo', 'task', 'ref', 'test_cmd', 'model']);
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** True for a git URL (https://, ssh://, git://, file://, or scp-like user@host:path), false for a local path. */
export function isRepoUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/\s]+@[^/\s:]+:/.test(repo);
}

/**
 * Parse a JSONL manifest. Blank lines and lines starting with # are skipped. Every problem is collected
 * (malformed JSON, a missing or mistyped field, an unknown key, a bad or duplicate id) and thrown together,
 * each naming its line. Local repo paths are resolved against `baseDir` (the manifest's directory).
 */
export function parseManifest(text: string, source: string, baseDir: string): BatchTask[] {
  const tasks: BatchTask[] = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    const at = `${source}:${i + 1}`;
    if (!line || line.startsWith('#')) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      problems.push(`${at}: not valid JSON (${(err as Error).message})`);
      return;
    }
    const checked = checkTask(value, baseDir);
    if (typeof checked === 'string') {
      problems.push(`${at}: ${checked}`);
      return;
    }
    const first = seen.get(checked.id);
    if (first !== undefined) {
      problems.push(`${at}: duplicate id "${checked.id}" (first on line ${first})`);
      return;
    }
    seen.set(checked.id, i + 1);
    tasks.push(checked);
  });
  if (problems.length) throw new ManifestError(problems.join('\n'));
  if (!tasks.length) throw new ManifestError(`${source}: no tasks`);
  return tasks;
}

function checkTask(value: unknown, baseDir: string): BatchTask | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'a task must be a JSON object';
  const o = value as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !KEYS.has(k));
  if (unknown.length) return `unknown key(s) ${unknown.map((k) => `"${k}"`).join(', ')}`;
  for (const k of ['id', 'repo', 'task'] as const)
    if (typeof o[k] !== 'string' || !(o[k] as string).trim()) return `"${k}" must be a non-empty string`;
  for (const k of ['ref', 'test_cmd', 'model'] as const)
    if (o[k] !== undefined && (typeof o[k] !== 'string' || !(o[k] as string).trim()))
      return `"${k}" must be a non-empty string when given`;
  const id = o.id as string;
  if (!ID.test(id)) return `id "${id}" may use only letters, digits, ".", "_" and "-" (it names a directory)`;
  const repo = (o.repo as string).trim();
  const task: BatchTask = {
    id,
    repo: isRepoUrl(repo) || isAbsolute(repo) ? repo : resolve(baseDir, repo),
    task: o.task as string,
  };
  if (typeof o.ref === 'string') task.ref = o.ref;
  if (typeof o.test_cmd === 'string') task.test_cmd = o.test_cmd;
  if (typeof o.model === 'string') task.model = o.model;
  return task;
}

/**
 * The short form `--repos REPOS.txt "TASK"`: one task over a list of repos (one a line, # comments).
 * Ids are the repo's base name, made unique with a counter.
 */
export function tasksFromRepos(text: string, source: string, baseDir: string, task: string): BatchTask[] {
  const tasks: BatchTask[] = [];
  const used = new Set<string>();
  text.split('\n').forEach((raw) => {
    const repo = raw.trim();
    if (!repo || repo.startsWith('#')) return;
    const stem =
      basename(repo.replace(/\/+$/, '').replace(/\.git$/, ''))
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .replace(/^[^A-Za-z0-9]+/, '') || 'repo';
    let id = stem.slice(0, 100);
    for (let n = 2; used.has(id); n++) id = `${stem.slice(0, 100)}-${n}`;
    used.add(id);
    tasks.push({ id, repo: isRepoUrl(repo) || isAbsolute(repo) ? repo : resolve(baseDir, repo), task });
  });
  if (!tasks.length) throw new ManifestError(`${source}: no repositories listed`);
  return tasks;
}
