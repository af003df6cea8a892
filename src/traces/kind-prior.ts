/**
 * What kind of files a kind of task changes, learnt from the history: for each task type (the first
 * word of the task, such as `fix`, `docs`, `feat`, `Add`) how many earlier tasks of that type changed a
 * file of each kind (test, docs, types, config, source) and of each top-level area (first directory and
 * whether it is a test). Kept incrementally (adding a record costs O(files in it)); nothing is per
 * repository: each history learns its own counts.
 */
import { testKey } from './file-graph.js';
import { stem } from './tokens.js';

export interface KindPrior {
  /** a record: its task type (taskType) and the files it changed */
  add(type: string, files: readonly string[]): void;
  remove(type: string, files: readonly string[]): void;
  /** [P(kind of f | type), P(kind of f), P(area of f | type), P(area of f)] for the task's type */
  of(type: string, f: string): [number, number, number, number];
}

const DOC = /\.(md|mdx|rst|txt|adoc)$/i;
const TYPES = /\.d\.ts$|(^|\/)types?(\.[a-z]+|\/)/i;
const CONFIG = /(^|\/)\.[^/]+$|\.(json|ya?ml|toml|ini|cfg|lock)$/i;

/** The task type: the first word of the task, lower case and stemmed (`fix:`, `Fixed` -> `fix`). */
export function taskType(text: string): string {
  const m = /^\s*\[?([A-Za-z]+)/.exec(text);
  return m ? stem(m[1]!.toLowerCase()) : '';
}

export function fileKind(f: string): string {
  if (testKey(f).isTest) return 'test';
  if (DOC.test(f)) return 'doc';
  if (TYPES.test(f)) return 'types';
  if (CONFIG.test(f)) return 'config';
  return 'source';
}

export function fileArea(f: string): string {
  const slash = f.indexOf('/');
  return `${slash < 0 ? '.' : f.slice(0, slash)}:${testKey(f).isTest ? 't' : 's'}`;
}

export function createKindPrior(): KindPrior {
  const tasks = new Map<string, number>();
  const byType = new Map<string, Map<string, number>>();
  let total = 0;
  const all = new Map<string, number>();
  const keysOf = new Map<string, [string, string]>();
  const keys = (f: string): [string, string] => {
    let k = keysOf.get(f);
    if (!k) keysOf.set(f, (k = [`k:${fileKind(f)}`, `a:${fileArea(f)}`]));
    return k;
  };

  function change(type: string, files: readonly string[], by: number): void {
    const seen = new Set<string>();
    for (const f of files) for (const k of keys(f)) seen.add(k);
    total += by;
    tasks.set(type, (tasks.get(type) ?? 0) + by);
    let m = byType.get(type);
    if (!m) byType.set(type, (m = new Map()));
    for (const k of seen) {
      m.set(k, (m.get(k) ?? 0) + by);
      all.set(k, (all.get(k) ?? 0) + by);
    }
  }

  return {
    add: (type, files) => change(type, files, 1),
    remove: (type, files) => change(type, files, -1),
    of(type, f) {
      const n = tasks.get(type) ?? 0;
      const m = byType.get(type);
      const [kind, area] = keys(f);
      // shrunk towards the overall share when the type is rare
      const base = (k: string): number => ((all.get(k) ?? 0) + 0.5) / (total + 1);
      const cond = (k: string): number => ((m?.get(k) ?? 0) + 2 * base(k)) / (n + 2);
      return [cond(kind), base(kind), cond(area), base(area)];
    },
  };
}
