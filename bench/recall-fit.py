#!/usr/bin/env python3
"""Fit the second stage of the file ranking (src/traces/file-rerank.ts, rerank-trees.ts) on bench/recall-dump.js
output: boosted regression trees (complete binary trees of depth DEPTH, NTREES of them, shrinkage LR) trained with
LambdaMART-style pairwise gradients: every changed file against every other candidate of the same task, each pair
weighted by how much swapping the two would change a rank discount (1/log2(2 + rank) plus 1 inside the top 10)
and by 1/(files of the task), so every task counts about once. Splits are chosen on 32 quantile bins per feature
with Newton leaf values (sum of gradients / (sum of hessians + LAMBDA)).

Leave-one-repo-out: for each history the model is fitted on the other five and scored on it; the model fitted
on all six is the one to ship. Writes bench/results/recall-rerank.json ({"features", "depth", "all",
"held_out": {repo: trees}, "file_recall10", "check"}) and src/traces/rerank-model.ts (the all-six model).
usage: /usr/bin/python3 bench/recall-fit.py FEATURES.jsonl   (needs numpy)
"""
import json
import os
import sys

import numpy as np

NTREES, DEPTH, LR, BINS, LAMBDA, DEPTH_CANDS = 100, 3, 0.1, 32, 1.0, 60
HERE = os.path.dirname(os.path.abspath(__file__))


def load(path):
    """-> feature names, repo per task, files per task, X (tasks x 60 x F), labels and mask (tasks x 60)."""
    names, reps, ns, rows = None, [], [], []
    for line in open(path):
        r = json.loads(line)
        if 'features' in r:
            names = r['features']
            continue
        reps.append(r['repo'])
        ns.append(r['n'])
        rows.append(np.array(r['c'], dtype=float)[:DEPTH_CANDS] if r['c'] else None)
    f = len(names)
    x = np.zeros((len(rows), DEPTH_CANDS, f))
    y = np.zeros((len(rows), DEPTH_CANDS))
    m = np.zeros((len(rows), DEPTH_CANDS), bool)
    for t, c in enumerate(rows):
        if c is not None:
            k = len(c)
            y[t, :k], x[t, :k], m[t, :k] = c[:, 0], c[:, 1:], True
    return names, np.array(reps), np.array(ns, float), x, y, m


def recall10(s, y, m, n):
    top = np.argsort(-np.where(m, s, -1e300), axis=1, kind='stable')[:, :10]
    return float((np.take_along_axis(y, top, 1).sum(1) / n).mean())


def pairs(y, m):
    tt, ii, jj = [], [], []
    for t in range(len(y)):
        p, q = np.where((y[t] > 0) & m[t])[0], np.where((y[t] == 0) & m[t])[0]
        if len(p) and len(q):
            a, b = np.meshgrid(p, q, indexing='ij')
            tt.append(np.full(a.size, t))
            ii.append(a.ravel())
            jj.append(b.ravel())
    return np.concatenate(tt), np.concatenate(ii), np.concatenate(jj)


def gradients(s, m, n, pr):
    t_, d_ = s.shape
    tt, ii, jj = pr
    order = np.argsort(-np.where(m, s, -1e300), axis=1, kind='stable')
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(d_), (t_, d_)).copy(), 1)
    disc = 1.0 / np.log2(2.0 + rank) + (rank < 10)
    rho = 1.0 / (1.0 + np.exp(s[tt, ii] - s[tt, jj]))
    w = np.abs(disc[tt, ii] - disc[tt, jj]) / n[tt]
    g, h = rho * w, rho * (1 - rho) * w
    G, H = np.zeros(t_ * d_), np.zeros(t_ * d_)
    np.add.at(G, tt * d_ + ii, g)
    np.add.at(G, tt * d_ + jj, -g)
    np.add.at(H, tt * d_ + ii, h)
    np.add.at(H, tt * d_ + jj, h)
    return G, H


def fit_tree(b, g, h, edges):
    rows, f = b.shape
    node = np.zeros(rows, np.int64)
    feats, thr = np.zeros(2 ** DEPTH - 1, np.int64), np.zeros(2 ** DEPTH - 1)
    for lvl in range(DEPTH):
        nn, base = 2 ** lvl, 2 ** lvl - 1
        best = np.full(nn, -np.inf)
        bf, bb = np.zeros(nn, np.int64), np.zeros(nn, np.int64)
        for k in range(f):
            key = node * BINS + b[:, k]
            gh = np.bincount(key, weights=g, minlength=nn * BINS).reshape(nn, BINS)
            hh = np.bincount(key, weights=h, minlength=nn * BINS).reshape(nn, BINS)
            gl, hl = np.cumsum(gh, 1)[:, :-1], np.cumsum(hh, 1)[:, :-1]
            gt, ht = gh.sum(1, keepdims=True), hh.sum(1, keepdims=True)
            gain = gl ** 2 / (hl + LAMBDA) + (gt - gl) ** 2 / (ht - hl + LAMBDA) - gt ** 2 / (ht + LAMBDA)
            gain = np.where((hl > 1e-3) & (ht - hl > 1e-3), gain, -np.inf)
            j = gain.argmax(1)
            v = gain[np.arange(nn), j]
            up = v > best
            best[up], bf[up], bb[up] = v[up], k, j[up]
        feats[base:base + nn] = bf
        # bin j holds x <= edges[j]: split "x > edges[j]" goes right (no valid split: all go left)
        thr[base:base + nn] = [edges[k][j] if j < len(edges[k]) and np.isfinite(best[i]) else 1e308
                               for i, (k, j) in enumerate(zip(bf, bb))]
        node = node * 2 + (b[np.arange(rows), bf[node]] > np.where(np.isfinite(best), bb, BINS)[node])
    gs = np.bincount(node, weights=g, minlength=2 ** DEPTH)
    hs = np.bincount(node, weights=h, minlength=2 ** DEPTH)
    return [int(v) for v in feats], [float(v) for v in thr], [round(float(LR * v), 6) for v in gs / (hs + LAMBDA)]


def predict(x2, trees):
    out = np.zeros(len(x2))
    at = np.arange(len(x2))
    for f, t, v in trees:
        f, t, v = np.array(f), np.array(t), np.array(v)
        node = np.zeros(len(x2), np.int64)
        for _ in range(DEPTH):
            node = 2 * node + np.where(x2[at, f[node]] > t[node], 2, 1)
        out += v[node - (2 ** DEPTH - 1)]
    return out


def fit(x, y, m, n):
    t_, d_, f = x.shape
    flat = x[m]
    edges = [np.unique(np.quantile(flat[:, k], np.linspace(0, 1, BINS + 1)[1:-1])) for k in range(f)]
    b = np.stack([np.searchsorted(edges[k], flat[:, k], side='left') for k in range(f)], 1).astype(np.int64)
    s = np.zeros((t_, d_))
    pr = pairs(y, m)
    trees = []
    for _ in range(NTREES):
        G, H = gradients(s, m, n, pr)
        tree = fit_tree(b, G.reshape(t_, d_)[m], H.reshape(t_, d_)[m], edges)
        trees.append(tree)
        s[m] += predict(flat, [tree])
    return trees


def ts_model(trees):
    rows = ',\n'.join(f'    [{json.dumps(f)}, {json.dumps(t)}, {json.dumps(v)}]' for f, t, v in trees)
    return ('// Generated by bench/recall-fit.py from bench/recall-dump.js output (all six commit-replay histories);\n'
            '// its leave-one-repo-out models are in bench/results/recall-rerank.json. Do not edit by hand.\n'
            '// biome-ignore-all lint/suspicious/noApproximativeNumericConstant: thresholds are feature values (ln 2, 1/3)\n'
            "import type { TreeEnsemble } from './rerank-trees.js';\n\n"
            f'export const RERANK_MODEL: TreeEnsemble = {{\n  depth: {DEPTH},\n  trees: [\n{rows},\n  ],\n}};\n')


def main():
    names, reps, n, x, y, m = load(sys.argv[1])
    out = {'features': names, 'depth': DEPTH, 'held_out': {}, 'file_recall10': {}}
    for held in sorted(set(reps)):
        tr, te = reps != held, reps == held
        trees = fit(x[tr], y[tr], m[tr], n[tr])
        s = predict(x[te].reshape(-1, len(names)), trees).reshape(te.sum(), -1)
        out['held_out'][held] = trees
        out['file_recall10'][held] = {'first_stage': round(recall10(x[te][:, :, 0], y[te], m[te], n[te]), 4),
                                      'held_out': round(recall10(s, y[te], m[te], n[te]), 4)}
        print(held, out['file_recall10'][held], flush=True)
    trees = fit(x, y, m, n)
    out['all'] = trees
    s = predict(x.reshape(-1, len(names)), trees).reshape(len(x), -1)
    for held in sorted(set(reps)):
        te = reps == held
        out['file_recall10'][held]['all'] = round(recall10(s[te], y[te], m[te], n[te]), 4)
    print('all six:', {k: v['all'] for k, v in out['file_recall10'].items()})
    # a few candidate vectors and their scores, for tests/traces/rerank-trees.test.ts
    pick = x[m][:: max(1, int(m.sum()) // 8)][:8]
    out['check'] = [{'x': [float(v) for v in row], 'score': float(predict(row[None, :], trees)[0])} for row in pick]
    with open(os.path.join(HERE, 'results', 'recall-rerank.json'), 'w') as f:
        json.dump(out, f)
        f.write('\n')
    dest = os.path.join(HERE, '..', 'src', 'traces', 'rerank-model.ts')
    with open(dest, 'w') as f:
        f.write(ts_model(trees))
    print(f'wrote {dest}; format it with: npx biome format --write src/traces/rerank-model.ts')


if __name__ == '__main__':
    main()
