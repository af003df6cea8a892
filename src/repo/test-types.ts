/** Shared shapes of the test gate: what was detected, and what a run of it produced. */

export type TestRunner =
  | 'vitest'
  | 'jest'
  | 'mocha'
  | 'node-test'
  | 'ava'
  | 'tap'
  | 'uvu'
  | 'pytest'
  | 'unittest'
  | 'go'
  | 'cargo'
  | 'make'
  | 'ctest'
  | 'bats'
  | 'gradle'
  | 'maven'
  | 'rspec'
  | 'minitest'
  | 'phpunit'
  | 'tox'
  | 'unknown';

export type TestSource = 'flag' | 'config' | 'agents-md' | 'ci' | 'manifest';

export interface TestDetection {
  /** a shell command line, run with bash -c in `cwd` */
  command: string;
  /** why this command: one line a person can check */
  reason: string;
  /** the runner it most likely drives (a hint for parsing; 'unknown' is fine) */
  runner: TestRunner;
  /** absolute directory the command runs in */
  cwd: string;
  source: TestSource;
  /** the suite's name when the plan has several ("ci.yml job specs") */
  name?: string;
  /** environment the project's CI gives this suite (job and step `env:`, plain values only) */
  env?: Record<string, string>;
}

export interface TestRunResult {
  command: string;
  cwd: string;
  runner: TestRunner;
  /** null when killed by a signal */
  exitCode: number | null;
  timedOut: boolean;
  /** stopped by the caller's signal */
  aborted: boolean;
  durationMs: number;
  /** full (normalised) output, 0600; null when it could not be written */
  outputFile: string | null;
  /** the last part of the output, for people and the model */
  tail: string;
  passed: number | null;
  failed: number | null;
  /** identifiers of failing tests, as the runner names them (deduplicated, in order) */
  failing: string[];
  /** the first failure's details (a few dozen lines) when one could be found */
  firstError: string | null;
  /** details of each of the first failing tests, by id, when the runner's failure header was found */
  failureDetails: Record<string, string>;
  /** how the counts were obtained */
  parsedBy: 'summary' | 'exit-code';
  /** exit 0, no failure counted, not timed out */
  ok: boolean;
  /** what the test run itself changed in the tree (tracked files put back; new files listed) */
  treeChanges?: { restored: string[]; created: string[] };
}
