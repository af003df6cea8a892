/** Which slice of a batch this process runs: shard k of n (1-based), every n-th task. */
export interface Shard {
  k: number;
  n: number;
  /** where it came from, for the progress line */
  source: string;
}

export class ShardError extends Error {
  override name = 'ShardError';
}

type Env = Record<string, string | undefined>;

/**
 * `--shard K/N` wins. Without it: a Kubernetes Indexed Job's JOB_COMPLETION_INDEX (0-based) with N from
 * `--shards` or SEDGE_SHARDS; or a CI matrix through SEDGE_SHARD=K/N. No shard = the whole batch.
 */
export function resolveShard(flag: string | undefined, shardsFlag: string | undefined, env: Env): Shard | null {
  if (flag !== undefined) return parseShard(flag, '--shard');
  if (env.SEDGE_SHARD) return parseShard(env.SEDGE_SHARD, 'SEDGE_SHARD');
  const index = env.JOB_COMPLETION_INDEX;
  if (index === undefined || index === '') return null;
  const nText = shardsFlag ?? env.SEDGE_SHARDS;
  const where = shardsFlag !== undefined ? '--shards' : 'SEDGE_SHARDS';
  if (nText === undefined)
    throw new ShardError('JOB_COMPLETION_INDEX is set but the shard count is not: pass --shards N or set SEDGE_SHARDS');
  const n = Number(nText);
  const i = Number(index);
  if (!Number.isInteger(n) || n < 1) throw new ShardError(`${where} needs a whole number ≥ 1, got "${nText}"`);
  if (!Number.isInteger(i) || i < 0 || i >= n)
    throw new ShardError(`JOB_COMPLETION_INDEX=${index} is outside 0..${n - 1}`);
  return { k: i + 1, n, source: `JOB_COMPLETION_INDEX=${index}` };
}

function parseShard(text: string, source: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const k = Number(m?.[1]);
  const n = Number(m?.[2]);
  if (!m || n < 1 || k < 1 || k > n) throw new ShardError(`${source} needs K/N with 1 ≤ K ≤ N, got "${text}"`);
  return { k, n, source };
}

/** Every n-th task, starting at the k-th: stable for a given manifest, disjoint and complete over k = 1..n. */
export function selectShard<T>(tasks: T[], shard: Shard | null): T[] {
  if (!shard) return tasks;
  return tasks.filter((_, i) => i % shard.n === shard.k - 1);
}
