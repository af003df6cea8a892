/**
 * Work that must happen even when sedge exits while a command is still running (a shell session, a test run's
 * process group): registered callbacks run synchronously on the process's 'exit' event. Each registration
 * returns its own removal.
 */
const pending = new Set<() => void>();
let hooked = false;

export function onProcessExit(cleanup: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const f of pending) {
        try {
          f();
        } catch {
          // best effort: the process is going away
        }
      }
    });
  }
  pending.add(cleanup);
  return () => pending.delete(cleanup);
}
