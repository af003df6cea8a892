#!/usr/bin/env python3
"""Fit the second stage of the file ranking (src/traces/file-rerank.ts) on bench/recall-dump.js output.

Pairwise logistic loss (each changed file against each other candidate of the same task, weighted so every
task counts once), L2-regularised, solved by Newton's method. Leave-one-repo-out: for each history the weights
are fitted on the other five and scored on it; the weights fitted on all six are the ones to ship.
Writes bench/results/recall-rerank.json: {"features", "all", "held_out": {repo: weights}, "file_recall10"}.
usage: python3 bench/recall-fit.py FEATURES.jsonl   (needs numpy)
"""
import json
import os
import sys

import numpy as np

FEATURES = ['score', 'rank', 'vote', 'path', 'recent', 'struct', 'voters', 'age', 'last1', 'last5', 'last20',
            'freq', 'coLast', 'coTop', 'words', 'dirWords', 'isTest', 'bias']
LAMBDA = 1e-3


def load(path):
    tasks = []
    for line in open(path):
        r = json.loads(line)
        c = np.array(r['c'], dtype=float) if r['c'] else np.zeros((0, len(FEATURES) + 1))
        tasks.append((r['repo'], r['n'], c[:, 0], c[:, 1:]))
    return tasks


def recall10(w, tasks):
    total = 0.0
    for _, n, y, x in tasks:
        if len(y):
            top = np.argsort(-(x @ w), kind='stable')[:10]
            total += y[top].sum() / n
    return total / len(tasks)


def fit(tasks):
    diffs, weights = [], []
    for _, n, y, x in tasks:
        pos, neg = np.where(y == 1)[0], np.where(y == 0)[0]
        if len(pos) and len(neg):
            d = (x[pos][:, None, :] - x[neg][None, :, :]).reshape(-1, x.shape[1])
            diffs.append(d)
            weights.append(np.full(len(d), 1.0 / (n * len(neg))))
    d, sw = np.vstack(diffs), np.concatenate(weights)
    sw = sw / sw.mean()
    w = np.zeros(d.shape[1])
    w[0] = 1.0
    for _ in range(30):
        p = 1 / (1 + np.exp(-(d @ w)))
        g = -(d * (sw * (1 - p))[:, None]).sum(0) / len(d) + LAMBDA * w
        h = (d * (sw * p * (1 - p))[:, None]).T @ d / len(d) + LAMBDA * np.eye(len(w))
        w -= np.linalg.solve(h, g)
    return w


def main():
    tasks = load(sys.argv[1])
    repos = sorted({t[0] for t in tasks})
    first = np.zeros(len(FEATURES))
    first[0] = 1.0
    out = {'features': FEATURES, 'held_out': {}, 'file_recall10': {}}
    for held in repos:
        w = fit([t for t in tasks if t[0] != held])
        test = [t for t in tasks if t[0] == held]
        out['held_out'][held] = [round(v, 4) for v in w]
        out['file_recall10'][held] = {'first_stage': round(recall10(first, test), 4),
                                      'held_out': round(recall10(w, test), 4)}
        print(held, out['file_recall10'][held], flush=True)
    w = fit(tasks)
    out['all'] = [round(v, 4) for v in w]
    for held in repos:
        out['file_recall10'][held]['all'] = round(recall10(w, [t for t in tasks if t[0] == held]), 4)
    print('weights (all six):', json.dumps(dict(zip(FEATURES, out['all']))))
    dest = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results', 'recall-rerank.json')
    with open(dest, 'w') as f:
        json.dump(out, f, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()
