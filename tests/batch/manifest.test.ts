import { describe, expect, it } from 'vitest';
import { ManifestError, parseManifest, tasksFromRepos } from '../../src/batch/manifest.js';
import { resolveShard, selectShard } from '../../src/batch/shard.js';

describe('batch manifest', () => {
  it('parses tasks, resolves local paths against the manifest dir and keeps URLs', () => {
    const text = [
      '# comment',
      '{"id":"a","repo":"repos/x","task":"t","ref":"main","test_cmd":"npm test","model":"m"}',
      '',
      '{"id":"b","repo":"https://example.com/y.git","task":"t"}',
      '{"id":"c","repo":"git@github.com:o/z.git","task":"t"}',
    ].join('\n');
    expect(parseManifest(text, 'm.jsonl', '/base')).toEqual([
      { id: 'a', repo: '/base/repos/x', task: 't', ref: 'main', test_cmd: 'npm test', model: 'm' },
      { id: 'b', repo: 'https://example.com/y.git', task: 't' },
      { id: 'c', repo: 'git@github.com:o/z.git', task: 't' },
    ]);
  });

  it('names every bad line: malformed JSON, missing field, unknown key, bad id, duplicate id', () => {
    const text = [
      '{"id":"a","repo":"/r","task":"t"}',
      '{oops',
      '{"id":"b","repo":"/r"}',
      '{"id":"c","repo":"/r","task":"t","extra":1}',
      '{"id":"../d","repo":"/r","task":"t"}',
      '{"id":"a","repo":"/r","task":"t"}',
      '[1]',
    ].join('\n');
    let err: unknown;
    try {
      parseManifest(text, 'm.jsonl', '/');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ManifestError);
    const lines = (err as Error).message.split('\n');
    expect(lines[0]).toMatch(/^m\.jsonl:2: not valid JSON/);
    expect(lines.slice(1)).toEqual([
      'm.jsonl:3: "task" must be a non-empty string',
      'm.jsonl:4: unknown key(s) "extra"',
      'm.jsonl:5: id "../d" may use only letters, digits, ".", "_" and "-" (it names a directory)',
      'm.jsonl:6: duplicate id "a" (first on line 1)',
      'm.jsonl:7: a task must be a JSON object',
    ]);
    expect(() => parseManifest('\n# nothing\n', 'e.jsonl', '/')).toThrow('e.jsonl: no tasks');
  });

  it('--repos: one task per listed repo with unique ids', () => {
    expect(tasksFromRepos('a/svc\nb/svc/\nhttps://h/x/svc.git\n# c\n', 'r.txt', '/w', 'T')).toEqual([
      { id: 'svc', repo: '/w/a/svc', task: 'T' },
      { id: 'svc-2', repo: '/w/b/svc', task: 'T' },
      { id: 'svc-3', repo: 'https://h/x/svc.git', task: 'T' },
    ]);
  });
});

describe('batch shards', () => {
  const tasks = ['t0', 't1', 't2', 't3', 't4'];
  it('every N-th task, disjoint and complete', () => {
    const a = selectShard(tasks, resolveShard('1/2', undefined, {}));
    const b = selectShard(tasks, resolveShard('2/2', undefined, {}));
    expect(a).toEqual(['t0', 't2', 't4']);
    expect(b).toEqual(['t1', 't3']);
    expect(selectShard(tasks, resolveShard(undefined, undefined, {}))).toEqual(tasks);
  });
  it('reads a Kubernetes Indexed Job index (0-based) or a CI matrix SEDGE_SHARD', () => {
    expect(resolveShard(undefined, '3', { JOB_COMPLETION_INDEX: '2' })).toMatchObject({ k: 3, n: 3 });
    expect(resolveShard(undefined, undefined, { JOB_COMPLETION_INDEX: '0', SEDGE_SHARDS: '4' })).toMatchObject({
      k: 1,
      n: 4,
    });
    expect(resolveShard(undefined, undefined, { SEDGE_SHARD: '2/5' })).toMatchObject({ k: 2, n: 5 });
    expect(resolveShard('1/1', undefined, { SEDGE_SHARD: '2/5' })).toMatchObject({ k: 1, n: 1 });
    expect(() => resolveShard(undefined, '2', { JOB_COMPLETION_INDEX: '2' })).toThrow('outside 0..1');
    expect(() => resolveShard('0/2', undefined, {})).toThrow('K/N');
  });
});
