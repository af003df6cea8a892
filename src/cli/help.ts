export const MAIN_HELP = `sedge: an autonomous coding agent for your terminal

Usage
  sedge [TASK]                    interactive session in this repo (optionally with a first task)
  sedge exec [options] TASK       headless: one task, no questions; TASK - reads it from stdin
  sedge tests [--run] [--json]    the test command sedge detected here, and why (--run runs it)
  sedge traces list|show|forget|prune|export|replay   this repo's reasoning traces (recall)
  sedge doctor                    what works here: endpoint, ripgrep, pty, test command

Model
  OPENAI_API_KEY, OPENAI_BASE_URL   any OpenAI-compatible endpoint
  --model NAME | SEDGE_MODEL        model name; --model replay:FILE replays a scripted model offline

Run 'sedge exec --help' for the run options.`;

export const EXEC_HELP = `Usage: sedge exec [options] TASK

Runs one task to the end without asking anything. Progress goes to stderr and the final answer to
stdout; with --json every event is one JSON line on stdout.

Options
  --json                 print every AgentEvent as one JSON line on stdout
  -y, --yes              run tool calls without asking (exec never asks; until sandboxing lands this
                         is how exec always runs, and it says so)
  -m, --model NAME       model name, or replay:FILE for a scripted model
  --api chat|responses   which OpenAI API to speak (default: Responses for OpenAI reasoning models)
  --max-steps N          stop after N model turns (exit 4)
  --timeout DURATION     stop after e.g. 300, 90s, 10m (exit 4)
  --test-cmd CMD         the command that runs the project's tests
  --no-verify            do not run the tests before finishing
  --allow-preexisting    let tests that already failed before the run stay red (default:
                         done needs a green suite; old failures are reported as pre-existing)
  --verify-rounds N      how many times failing tests go back to the model (default 3)
  --no-recall            do not recall prior work in this repo
  -C, --cd DIR           run in DIR
  -v, --verbose          also print the model's commentary on stderr

Best of N (each attempt in its own git worktree, with the test gate; the winner's diff is applied)
  --attempts N           run N attempts in parallel (default: one per listed model or temperature)
  --models a,b,c         the model of each attempt (the list repeats when shorter than N)
  --temperatures 0.2,0.8 the sampling temperature of each attempt (Chat Completions)
  --keep-worktrees       keep every attempt's worktree for inspection
  --judge MODEL          break a tie left after the rules by asking MODEL to read the tied diffs

Exit codes
  0 done   1 failed or tests failed   2 usage or config error   3 model/provider error
  4 a limit was hit   130 interrupted`;
