import { describe, expect, it } from 'vitest';
import { createBm25 } from '../../src/traces/bm25.js';
import { createRanker } from '../../src/traces/rank.js';
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
