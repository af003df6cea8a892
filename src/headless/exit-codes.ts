import type { RunStatus } from '../agent/events.js';

/** Exit codes of `sedge exec` (and batch), documented in README.md. */
export const EXIT = {
  done: 0,
  failed: 1,
  usage: 2,
  model: 3,
  limit: 4,
  interrupted: 130,
} as const;

/** Map a run's end to an exit code; a failure caused by the model provider is 3, a sandbox that cannot start 2. */
export function exitCodeFor(status: RunStatus, fatalSource?: string): number {
  switch (status) {
    case 'done':
      return EXIT.done;
    case 'tests_failed':
      return EXIT.failed;
    case 'limit':
      return EXIT.limit;
    case 'aborted':
      return EXIT.interrupted;
    case 'failed':
      // no usable sandbox: the same refusal (2) as when none can be found before the run
      return fatalSource === 'model' ? EXIT.model : fatalSource === 'sandbox' ? EXIT.usage : EXIT.failed;
  }
}
