/**
 * The k best [key, score] entries of a map, best first (ties: larger key first), in O(n log k): at 10,000
 * records a query must not sort every trace that shares a common word with the task.
 */
export function topK<K extends number | string>(scores: ReadonlyMap<K, number>, k: number): [K, number][] {
  const worse = (a: [K, number], b: [K, number]): boolean => a[1] < b[1] || (a[1] === b[1] && a[0] < b[0]);
  if (k <= 0) return [];
  const heap: [K, number][] = []; // min-heap on (score, key)
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && worse(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (const e of scores) {
    if (heap.length < k) {
      heap.push(e);
      for (let i = heap.length - 1; i > 0; ) {
        const up = (i - 1) >> 1;
        if (!worse(heap[i]!, heap[up]!)) break;
        [heap[i], heap[up]] = [heap[up]!, heap[i]!];
        i = up;
      }
    } else if (worse(heap[0]!, e)) {
      heap[0] = e;
      down(0);
    }
  }
  return heap.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0));
}
