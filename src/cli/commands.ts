/**
 * The command table: every mode of `sedge`, its flags (with the one line --help shows for each) and its
 * usage. Parsing (args.ts), --help (help.ts) and dispatch (main.ts) all read this one table, so a flag that
 * parses is a flag that is documented. A leaf module: no imports, cheap to load.
 */

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** may be given more than once (values collected in a list) */
  multiple?: boolean;
  /** the value's placeholder in help, e.g. N, DIR */
  arg?: string;
  desc: string;
}

export type Options = Record<string, OptionSpec>;

export interface CommandSpec<O extends Options = Options> {
  /** '' is the interactive mode (`sedge [options] [TASK]`) */
  name: string;
  usage: string[];
  summary: string;
  about: string;
  options: O;
  /** printed after the options (subcommands, exit codes) */
  notes?: string;
}

const CD = { type: 'string', short: 'C', arg: 'DIR', desc: 'run as if started in DIR' } as const;
const HELP = { type: 'boolean', short: 'h', desc: 'show this help' } as const;
const JSON_OUT = { type: 'boolean', desc: 'machine-readable output (JSON)' } as const;

/** Flags shared by every mode that runs the agent. */
export const RUN_OPTIONS = {
  model: { type: 'string', short: 'm', arg: 'NAME', desc: 'model name, or replay:FILE for a scripted model' },
  api: {
    type: 'string',
    arg: 'chat|responses',
    desc: 'which OpenAI API to speak (default: Responses for OpenAI reasoning models)',
  },
  'max-steps': { type: 'string', arg: 'N', desc: 'stop after N model turns (exit 4)' },
  timeout: { type: 'string', arg: 'DURATION', desc: 'stop after e.g. 300, 90s, 10m, 1h (exit 4)' },
  'test-cmd': { type: 'string', arg: 'CMD', desc: "the command that runs the project's tests" },
  'no-verify': { type: 'boolean', desc: 'do not run the tests before finishing' },
  'verify-rounds': { type: 'string', arg: 'N', desc: 'times failing tests go back to the model (default 3)' },
  'allow-preexisting': {
    type: 'boolean',
    desc: 'tests that failed before the run may stay red (default: done needs a green suite)',
  },
  'no-recall': { type: 'boolean', desc: 'do not recall prior work in this repo' },
  sandbox: {
    type: 'string',
    arg: 'MODE',
    desc: "workspace-write (default), read-only or off: where the model's commands may write",
  },
  network: { type: 'boolean', desc: 'let sandboxed commands reach the network (off by default)' },
  env: { type: 'string', multiple: true, arg: 'NAME', desc: 'pass env variable NAME to commands (repeatable)' },
  approval: { type: 'string', arg: 'MODE', desc: 'ask, auto-edit or auto: which tool calls need a yes' },
  cd: CD,
  help: HELP,
} as const satisfies Options;

const EXIT_CODES = `Exit codes
  0 done   1 failed or tests failed   2 usage or config error   3 model/provider error
  4 a limit was hit   130 / 143 / 129 interrupted (SIGINT / SIGTERM / SIGHUP)`;

export const INTERACTIVE = {
  name: '',
  usage: ['sedge [options] [TASK]'],
  summary: 'interactive session in this repo, optionally with a first task',
  about:
    'An interactive session in the current repository (type /help inside). A TASK is one quoted string\n' +
    '("fix the flaky test") or everything after --; a task from stdin is for sedge exec -.',
  options: {
    ask: { type: 'boolean', desc: 'ask before every command the agent runs' },
    continue: { type: 'boolean', short: 'c', desc: 'reopen the latest session of this directory' },
    resume: { type: 'string', short: 'r', arg: 'ID', desc: 'reopen a saved session' },
    ...RUN_OPTIONS,
  },
  notes: `Environment
  SEDGE_PRICE_PER_MTOK=IN,CACHED,OUT   USD per million input / cached input / output tokens:
                                       the status line then shows a cost estimate`,
} as const satisfies CommandSpec;

/** best of N, the same in exec and batch */
const ATTEMPT_OPTIONS = {
  attempts: { type: 'string', arg: 'N', desc: 'best of N: N attempts in parallel worktrees, the tests choose' },
  models: { type: 'string', arg: 'a,b,c', desc: 'the model of each attempt (the list repeats when shorter)' },
  temperatures: { type: 'string', arg: '0.2,0.8', desc: 'the sampling temperature of each attempt' },
} as const satisfies Options;

export const EXEC = {
  name: 'exec',
  usage: ['sedge exec [options] TASK'],
  summary: 'headless: one task, no questions; TASK - reads it from stdin',
  about:
    'Runs one task to the end without asking anything. Progress goes to stderr and the final answer to\n' +
    'stdout; with --json every event is one JSON line on stdout.',
  options: {
    json: { type: 'boolean', desc: 'print every AgentEvent as one JSON line on stdout' },
    yes: { type: 'boolean', short: 'y', desc: 'run tool calls without asking (exec never asks)' },
    verbose: { type: 'boolean', short: 'v', desc: "also print the model's commentary on stderr" },
    resume: { type: 'string', short: 'r', arg: 'ID', desc: 'carry on a killed or interrupted run (TASK optional)' },
    'no-lock': { type: 'boolean', desc: 'run even when another sedge run holds this work tree' },
    ...ATTEMPT_OPTIONS,
    'keep-worktrees': { type: 'boolean', desc: "keep every attempt's worktree for inspection" },
    judge: { type: 'string', arg: 'MODEL', desc: 'break a tie left after the rules by asking MODEL' },
    ...RUN_OPTIONS,
  },
  notes: EXIT_CODES,
} as const satisfies CommandSpec;

export const TESTS = {
  name: 'tests',
  usage: ['sedge tests [--run] [--json] [options]'],
  summary: 'the test command sedge detected here, and why (--run runs it)',
  about:
    'Shows the command the test gate would run and why it was chosen; with --run, runs it and prints the\n' +
    'parsed result. Exit 0: all pass (or, without --run, a command was found); 1: tests fail; 2: none found.',
  options: {
    run: { type: 'boolean', desc: 'run the tests and print the parsed result' },
    json: JSON_OUT,
    'test-cmd': { type: 'string', arg: 'CMD', desc: 'use CMD instead of detecting one' },
    timeout: { type: 'string', arg: 'SECONDS', desc: 'stop the test run after SECONDS' },
    cd: CD,
    help: HELP,
  },
} as const satisfies CommandSpec;

export const TRACES = {
  name: 'traces',
  usage: [
    'sedge traces list [--json]',
    'sedge traces show ID [--json]',
    'sedge traces forget ID',
    'sedge traces prune [--max N] [--older-than DAYS] [--json]',
    'sedge traces export [--format records|chat-jsonl] [--since DATE] [--only-accepted]',
    'sedge traces replay FILE.jsonl [--warmup N]',
  ],
  summary: "this repo's reasoning traces (what recall hands the model)",
  about: 'The per-repository trace store. Exit 0 on success, 1 when a record is not found, 2 on bad usage.',
  options: {
    json: JSON_OUT,
    max: { type: 'string', arg: 'N', desc: 'prune: keep at most N traces' },
    'older-than': { type: 'string', arg: 'DAYS', desc: 'prune: remove traces older than DAYS' },
    warmup: { type: 'string', arg: 'N', desc: 'replay: tasks before scoring starts (default 50)' },
    format: { type: 'string', arg: 'KIND', desc: 'export: records (default) or chat-jsonl (trajectories + rewards)' },
    since: { type: 'string', arg: 'DATE', desc: 'export: only runs that ended on or after DATE' },
    'only-accepted': { type: 'boolean', desc: 'export: only runs whose change was accepted (tests passed, kept)' },
    cd: CD,
    help: HELP,
  },
} as const satisfies CommandSpec;

export const DOCTOR = {
  name: 'doctor',
  usage: ['sedge doctor [--json] [options]'],
  summary: 'what works here: endpoint (a real request), ripgrep, pty, sandbox, tests',
  about:
    'Checks what a run needs: the model endpoint answers and knows the model, ripgrep and a pty work, and\n' +
    'which test command would run. Exit 0 only when a run could work; 1 otherwise.',
  options: {
    json: JSON_OUT,
    timeout: { type: 'string', arg: 'SECONDS', desc: 'how long to wait for the endpoint (default 10)' },
    model: { type: 'string', short: 'm', arg: 'NAME', desc: 'check this model instead of the configured one' },
    cd: CD,
    help: HELP,
  },
} as const satisfies CommandSpec;

export const BATCH = {
  name: 'batch',
  usage: [
    'sedge batch TASKS.jsonl --out DIR [options]',
    'sedge batch --repos REPOS.txt --out DIR [options] "TASK"',
    'sedge batch report DIR... [--json] [--write DIR]',
  ],
  summary: 'many tasks over many repos: worktrees, a pool, resumable, shardable',
  about:
    'Runs many tasks over many repositories, each in its own git worktree (local repos) or clone (URLs), with\n' +
    "the loop, test gate, recall and limits of 'sedge exec'. A task line is a JSON object:\n" +
    '  {"id": "...", "repo": "<path or git URL>", "task": "...", "ref"?: "...", "test_cmd"?: "...", "model"?: "..."}\n' +
    'Per task DIR/<id>/ gets result.json, events.jsonl and patch.diff (git apply); DIR/summary.jsonl grows as\n' +
    'tasks finish.',
  options: {
    out: { type: 'string', short: 'o', arg: 'DIR', desc: 'where results go (required)' },
    repos: { type: 'string', arg: 'FILE', desc: 'one repository (path or git URL) a line; the TASK follows' },
    concurrency: { type: 'string', short: 'j', arg: 'N', desc: 'tasks at once (default 4)' },
    'timeout-per-task': { type: 'string', arg: 'D', desc: 'stop a task after e.g. 600, 10m (it ends as "timeout")' },
    'max-tokens': { type: 'string', arg: 'N', desc: 'stop starting tasks once the batch spent N tokens' },
    'max-cost': {
      type: 'string',
      arg: 'USD',
      desc: 'the same in dollars (needs SEDGE_PRICE_PER_MTOK=IN,CACHED,OUT)',
    },
    resume: { type: 'boolean', desc: 'continue in DIR: finished tasks are kept, unfinished ones run again' },
    shard: {
      type: 'string',
      arg: 'K/N',
      desc: 'every N-th task from the K-th (default: SEDGE_SHARD or JOB_COMPLETION_INDEX)',
    },
    shards: { type: 'string', arg: 'N', desc: 'shard count for JOB_COMPLETION_INDEX (or SEDGE_SHARDS)' },
    ...ATTEMPT_OPTIONS,
    judge: { type: 'string', arg: 'MODEL', desc: 'best of N: break a tie left after the rules by asking MODEL' },
    ...RUN_OPTIONS,
  },
  notes: `Exit codes
  0 every task done   1 some task did not finish done   2 usage error   4 a budget stopped the batch
  130 interrupted`,
} as const satisfies CommandSpec;

/** Every subcommand, in the order help lists them (the interactive mode is INTERACTIVE). */
export const COMMANDS: readonly CommandSpec[] = [EXEC, BATCH, TESTS, TRACES, DOCTOR];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** Edit distance with transpositions (optimal string alignment): `tets` is one step from `tests`. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      row[j] = Math.min(up[j]! + 1, row[j - 1]! + 1, up[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, (d[i - 2] as number[])[j - 2]! + 1);
    }
  return (d[a.length] as number[])[b.length]!;
}

/** The commands a mistyped word probably meant (`trace` -> traces, `tets` -> tests, `docter` -> doctor). */
export function suggestCommands(word: string): string[] {
  const w = word.toLowerCase();
  const names = [...COMMANDS.map((c) => c.name), 'help'];
  const scored = names
    .map((n) => ({ n, d: w.length > 1 && (n.startsWith(w) || w.startsWith(n)) ? 1 : distance(w, n) }))
    .filter((s) => s.d <= Math.max(1, Math.min(2, Math.floor(s.n.length / 3))))
    .sort((a, b) => a.d - b.d);
  return scored.map((s) => s.n);
}
