/**
 * Evaluation of the second stage's model: an ensemble of complete binary regression trees (boosted with
 * pairwise, LambdaMART-style gradients by bench/recall-fit.py). A tree of depth d is stored level by level
 * (heap order): split features and thresholds of its 2^d - 1 inner nodes, then the values of its 2^d leaves;
 * a vector goes right where x[feature] > threshold. The score of a vector is the sum of its leaf values.
 */

export interface TreeEnsemble {
  /** depth of every tree */
  depth: number;
  /** per tree: [split features, thresholds, leaf values] */
  trees: readonly (readonly [readonly number[], readonly number[], readonly number[]])[];
}

export function treeScore(x: readonly number[], m: TreeEnsemble): number {
  const inner = 2 ** m.depth - 1;
  let s = 0;
  for (const [f, t, v] of m.trees) {
    let node = 0;
    for (let d = 0; d < m.depth; d++) node = 2 * node + ((x[f[node]!] ?? 0) > t[node]! ? 2 : 1);
    s += v[node - inner]!;
  }
  return s;
}
