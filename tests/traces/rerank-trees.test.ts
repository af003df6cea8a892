import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RERANK_FEATURES } from '../../src/traces/file-rerank.js';
import { createKindPrior, fileArea, fileKind, taskType } from '../../src/traces/kind-prior.js';
import { RERANK_MODEL } from '../../src/traces/rerank-model.js';
import { type TreeEnsemble, treeScore } from '../../src/traces/rerank-trees.js';

describe('second-stage trees', () => {
  it('walks each tree level by level (right where x > threshold) and sums the leaves', () => {
    const m: TreeEnsemble = {
      depth: 2,
      trees: [
        [
          [0, 1, 1],
          [0.5, 1, 2],
          [1, 2, 3, 4],
        ],
        [
          [1, 0, 0],
          [10, 0, 0],
          [0.5, -0.5, 0.25, 0.75],
        ],
      ],
    };
    // x0 <= 0.5 -> node 1 (x1 <= 1 -> leaf 0, else leaf 1); x0 > 0.5 -> node 2 (x1 <= 2 -> leaf 2, else leaf 3)
    expect(treeScore([0.5, 1], m)).toBe(1 + -0.5);
    expect(treeScore([0.2, 1.5], m)).toBe(2 + -0.5);
    expect(treeScore([0.6, 2], m)).toBe(3 + -0.5);
    expect(treeScore([0.6, 11], m)).toBe(4 + 0.75);
  });

  it('scores like the offline trainer (bench/recall-fit.py) on its check vectors', () => {
    const fitted = JSON.parse(readFileSync(join(__dirname, '../../bench/results/recall-rerank.json'), 'utf8')) as {
      features: string[];
      depth: number;
      check: { x: number[]; score: number }[];
    };
    expect(fitted.features).toEqual([...RERANK_FEATURES]);
    expect(RERANK_MODEL.depth).toBe(fitted.depth);
    expect(fitted.check.length).toBeGreaterThan(3);
    for (const { x, score } of fitted.check) expect(treeScore(x, RERANK_MODEL)).toBeCloseTo(score, 9);
  });
});

describe('kind prior', () => {
  it('learns which kinds of files a task type changes, and forgets removed records', () => {
    expect(taskType('docs: fix typo')).toBe('doc');
    expect(taskType('Fixed the router')).toBe('fix');
    expect(fileKind('test/router.test.js')).toBe('test');
    expect(fileKind('docs/guide.md')).toBe('doc');
    expect(fileKind('src/index.d.ts')).toBe('types');
    expect(fileKind('.eslintrc.json')).toBe('config');
    expect(fileKind('lib/router.js')).toBe('source');
    expect(fileArea('lib/router.js')).toBe('lib:s');
    const k = createKindPrior();
    for (let i = 0; i < 5; i++) k.add('doc', ['docs/guide.md']);
    for (let i = 0; i < 5; i++) k.add('fix', ['lib/a.js', 'test/a.test.js']);
    const [docGivenDocs, docBase] = k.of('doc', 'docs/x.md');
    const [docGivenFix] = k.of('fix', 'docs/x.md');
    expect(docGivenDocs).toBeGreaterThan(docBase);
    expect(docGivenFix).toBeLessThan(docBase);
    for (let i = 0; i < 5; i++) k.remove('doc', ['docs/guide.md']);
    expect(k.of('doc', 'docs/x.md')[0]).toBeLessThan(docBase);
  });
});
