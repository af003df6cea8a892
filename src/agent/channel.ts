/**
 * Run a promise while yielding the items a callback produces in the meantime, in order.
 * Lets a generator stream tool output as events while the tool runs.
 */
export async function* drainWhile<T, R>(start: (push: (item: T) => void) => Promise<R>): AsyncGenerator<T, R> {
  const queue: T[] = [];
  let wake: (() => void) | null = null;
  const push = (item: T) => {
    queue.push(item);
    wake?.();
  };
  let settled = false;
  const work = start(push).finally(() => {
    settled = true;
    wake?.();
  });
  // Keep a rejection from being reported as unhandled while we are still draining.
  work.catch(() => undefined);
  while (true) {
    while (queue.length) yield queue.shift() as T;
    if (settled) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
      if (queue.length || settled) resolve();
    });
    wake = null;
  }
  while (queue.length) yield queue.shift() as T;
  return work;
}
