import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const ROOT = resolve(__dirname, '..', '..');
type Obj = Record<string, unknown>;
const read = (p: string) => parseYaml(readFileSync(join(ROOT, p), 'utf8')) as Obj;

describe('batch examples agree with the sharding rules', () => {
  it('GitHub Actions: every matrix shard runs --shard K/N with N = the matrix size, and the report merges them', () => {
    const wf = read('examples/github-actions/sedge-batch.yml');
    const shard = (wf.jobs as Obj).shard as Obj;
    const matrix = ((shard.strategy as Obj).matrix as Obj).shard as string[];
    const runs = (shard.steps as Obj[]).map((s) => String(s.run ?? '')).join('\n');
    const m = /--shard \$\{\{ matrix\.shard \}\}\/(\d+)/.exec(runs);
    expect(Number(m?.[1])).toBe(matrix.length);
    expect(runs).toContain('--out out/shard-${{ matrix.shard }}');
    const report = ((wf.jobs as Obj).report as Obj).steps as Obj[];
    expect(report.map((s) => String(s.run ?? '')).join('\n')).toContain('sedge batch report shards/*');
  });

  it('Kubernetes: an Indexed Job whose completions equal SEDGE_SHARDS', () => {
    const job = read('examples/kubernetes/sedge-batch-job.yaml');
    const spec = job.spec as Obj;
    expect(spec.completionMode).toBe('Indexed');
    const container = ((((spec.template as Obj).spec as Obj).containers as Obj[])[0] ?? {}) as Obj;
    const env = container.env as { name: string; value?: string }[];
    expect(env.find((e) => e.name === 'SEDGE_SHARDS')?.value).toBe(String(spec.completions));
    expect(String((container.args as string[])[0])).toContain('sedge batch /tasks/tasks.jsonl');
  });
});
