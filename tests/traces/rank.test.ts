import { describe, expect, it } from 'vitest';
import { createBm25 } from '../../src/traces/bm25.js';
import { testKey } from '../../src/traces/file-graph.js';
import { RERANK_FEATURES } from '../../src/traces/file-rerank.js';
import { createRanker } from '../../src/traces/rank.js';
import { explainFile } from '../../src/traces/recall.js';
import { topK } from '../../src/traces/top-k.js';
import { mentionedPaths, pathTerms, tokenize } from '../../src/traces/tokens.js';

describe('tokens', () => {
  it('splits identifiers and paths, drops stop words and numbers, stems', () => {
    expect(tokenize('Fix getUserName in user_service (#1234)')).toEqual([
      'getusernam',
      'user',
      'name',
      'userservic',
      'user',
      'servic',
    ]);
    expect(tokenize('serveStatic serve-static')).toEqual([
      'servestatic',
      'serv',
      'static',
      'servestatic',
      'serv',
      'static',
    ]);
    expect(tokenize('routes routing')).toEqual(['rout', 'rout']);
    expect(pathTerms('src/helper/cookie/index.ts')).toEqual(['src', 'helper', 'cooki', 'index']);
    expect(mentionedPaths('look at src/app.ts and `lib/router/index.js`, not v1.2.3')).toEqual([
      'src/app.ts',
      'lib/router/index.js',
    ]);
  });
});

describe('bm25', () => {
  it('scores rarer and more matched terms higher, and forgets removed docs', () => {
    const ix = createBm25(1);
    ix.add(1, [['router', 'param']]);
    ix.add(2, [['router', 'cookie']]);
    ix.add(3, [['cookie', 'sign']]);
    const s = ix.search(['router', 'param'], [1]);
    expect(s.get(1)! > s.get(2)!).toBe(true);
    expect(s.has(3)).toBe(false);
    ix.remove(1);
    expect(ix.search(['param'], [1]).size).toBe(0);
    expect(ix.size).toBe(2);
  });
});

describe('ranker', () => {
  it('ranks by text, votes files, and spreads the top traces over different files', () => {
    const r = createRanker();
    r.add({ id: 'a', text: 'router params decoding', files: ['lib/router.js'] });
    r.add({ id: 'b', text: 'router params again', files: ['lib/router.js'] });
    r.add({ id: 'c', text: 'router layer params', files: ['lib/layer.js'] });
    r.add({ id: 'd', text: 'cookie signing', files: ['lib/cookie.js'] });
    const res = r.query({ text: 'router params bug', limit: 3 });
    expect(res.traces.map((t) => t.id).slice(0, 2)).toContain('c');
    expect(res.files[0]!.path).toBe('lib/router.js');
    expect(r.query({ text: 'cookie' }).traces[0]!.id).toBe('d');
    r.remove('d');
    expect(r.query({ text: 'cookie' }).traces.map((t) => t.id)).not.toContain('d');
  });

  it('drops files missing from the live tree and boosts mentioned paths', () => {
    const r = createRanker();
    r.add({ id: 'a', text: 'router work', files: ['lib/router.js', 'lib/old.js'] });
    r.add({ id: 'b', text: 'view engine', files: ['lib/view.js'] });
    const res = r.query({
      text: 'router work in lib/view.js',
      liveFiles: new Set(['lib/router.js', 'lib/view.js']),
      mentioned: ['lib/view.js'],
    });
    expect(res.files.map((f) => f.path)).not.toContain('lib/old.js');
    expect(res.files[0]!.path).toBe('lib/view.js');
  });
});

describe('file structure from history', () => {
  /**
   * Three early tasks changed lib/router.js together with lib/dispatch-table.js; later, twenty tasks about the
   * router changed it with a different file each, and twenty unrelated tasks came after. The new task names
   * only the router: its co-changed file shares no word with it and is neither recent nor voted for by text.
   */
  function history(params: Parameters<typeof createRanker>[0] = {}): ReturnType<typeof createRanker> {
    const r = createRanker(params);
    for (let i = 0; i < 3; i++) {
      r.add({ id: `co${i}`, text: `misc cleanup pass ${['one', 'two', 'three'][i]}`, files: co() });
    }
    for (let i = 0; i < 20; i++)
      r.add({ id: `rt${i}`, text: `router tweak ${i} keyword${i}`, files: ['lib/router.js', `lib/extra${i}.js`] });
    for (let i = 0; i < 20; i++) r.add({ id: `x${i}`, text: `docs typo ${i}`, files: [`docs/page${i}.md`] });
    return r;
  }
  const co = (): string[] => ['lib/router.js', 'lib/dispatch-table.js'];
  const task = 'router drops params with dots';

  it('ranks a co-changed file that shares no word with the task in the top 10', () => {
    const top = history()
      .query({ text: task, fileLimit: 10 })
      .files.map((f) => f.path);
    expect(top[0]).toBe('lib/router.js');
    expect(top).toContain('lib/dispatch-table.js');
    // the first stage without co-change misses it (the second stage, which also counts how many related
    // tasks changed a file, is off here: the three co-change tasks match "router" through their paths)
    const without = history({ coWeight: 0, pairWeight: 0, rerankDepth: 0 })
      .query({ text: task, fileLimit: 10 })
      .files.map((f) => f.path);
    expect(without).not.toContain('lib/dispatch-table.js');
  });

  it('says why each file is there', () => {
    const files = history().query({ text: task, fileLimit: 10 }).files;
    const co = files.find((f) => f.path === 'lib/dispatch-table.js')!;
    expect(co.why.cochanged).toEqual({ with: 'lib/router.js', n: 3 });
    const router = files[0]!;
    expect(router.why.path).toBe(true);
    expect(router.why.tasks).toBeGreaterThanOrEqual(20);
    expect(explainFile(co.why)).toMatch(/^changed with lib\/router.js in 3 earlier tasks(;|$)/);
  });

  it('pairs tests with sources, and follows neither deleted files nor removed records', () => {
    expect(testKey('test/router.test.ts')).toEqual({ key: 'router', isTest: true });
    expect(testKey('tests/test_blueprints.py')).toEqual({ key: 'blueprints', isTest: true });
    expect(testKey('src/flask/blueprints.py')).toEqual({ key: 'blueprints', isTest: false });
    const r = createRanker();
    r.add({ id: 't', text: 'add a test', files: ['tests/test_blueprints.py'] });
    for (let i = 0; i < 30; i++) r.add({ id: `o${i}`, text: `other ${i}`, files: [`pkg/other${i}.py`] });
    r.add({ id: 's', text: 'nested blueprints register twice', files: ['src/flask/blueprints.py'] });
    for (let i = 0; i < 30; i++) r.add({ id: `p${i}`, text: `more ${i}`, files: [`pkg/more${i}.py`] });
    const files = r.query({ text: 'blueprints register twice' }).files;
    const test = files.find((f) => f.path === 'tests/test_blueprints.py');
    expect(test?.why.pair).toEqual({ of: 'src/flask/blueprints.py', isTest: true });
    const live = new Set(['src/flask/blueprints.py']);
    const q = r.query({ text: 'blueprints register twice', liveFiles: live }).files.map((f) => f.path);
    expect(q).toEqual(['src/flask/blueprints.py']);
    const g = history();
    for (let i = 0; i < 3; i++) g.remove(`co${i}`);
    expect(g.query({ text: task }).files.map((f) => f.path)).not.toContain('lib/dispatch-table.js');
  });
});

describe('second stage and coverage', () => {
  it('gives the re-ranker features of recency, co-change with the latest record and path words', () => {
    const r = createRanker();
    for (let i = 0; i < 3; i++) r.add({ id: `p${i}`, text: `pool work ${i}`, files: ['lib/pool.js', 'lib/queue.js'] });
    for (let i = 0; i < 10; i++) r.add({ id: `o${i}`, text: `other ${i}`, files: [`lib/other${i}.js`] });
    r.add({ id: 'last', text: 'pool sizing', files: ['lib/pool.js'] });
    const x = new Map<string, number[]>();
    r.query({ text: 'connection pool leaks', onFeatures: (f, v) => x.set(f, v) });
    const get = (f: string, name: (typeof RERANK_FEATURES)[number]): number =>
      x.get(f)![RERANK_FEATURES.indexOf(name)]!;
    expect(get('lib/pool.js', 'last1')).toBe(1);
    expect(get('lib/pool.js', 'words')).toBe(1);
    expect(get('lib/queue.js', 'coLast')).toBeGreaterThan(0);
    expect(get('lib/queue.js', 'words')).toBe(0);
    expect(get('lib/queue.js', 'age')).toBeGreaterThan(get('lib/pool.js', 'age'));
  });

  it('chooses the top traces to cover the likely files, not five traces about one file', () => {
    const top5 = (coverWeight: number): string[] => {
      const r = createRanker({ coverWeight, diversity: 0 });
      r.add({ id: 'h', text: 'tidy internals', files: ['lib/session.js', 'lib/cookie.js'] });
      for (let i = 0; i < 8; i++) r.add({ id: `s${i}`, text: `session expiry timer ${i}`, files: ['lib/session.js'] });
      return r.query({ text: 'session expiry timer drops', limit: 5 }).traces.map((t) => t.id);
    };
    // the eight traces about lib/session.js outrank h by text; h is the only one that also covers lib/cookie.js
    expect(top5(0)).not.toContain('h');
    expect(top5(2)).toContain('h');
  });
});

describe('topK', () => {
  it('returns the k best entries, best first, ties to the larger key', () => {
    const m = new Map<number, number>();
    for (let i = 0; i < 1000; i++) m.set(i, (i * 7919) % 101);
    const want = [...m.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0]).slice(0, 25);
    expect(topK(m, 25)).toEqual(want);
    expect(topK(m, 0)).toEqual([]);
    expect(topK(new Map([[1, 2]]), 5)).toEqual([[1, 2]]);
  });
});
