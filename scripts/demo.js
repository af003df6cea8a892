#!/usr/bin/env node
// The offline demo: copy examples/calc into a throwaway git repo and let the replay model fix its bug
// through the real loop and real tools. Needs no API key and no network.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'sedge-demo-'));
cpSync(join(root, 'examples', 'calc'), dir, { recursive: true });
const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
git('init', '-q');
git('-c', 'user.name=demo', '-c', 'user.email=demo@example.invalid', 'add', '-A');
git('-c', 'user.name=demo', '-c', 'user.email=demo@example.invalid', 'commit', '-q', '-m', 'calc with a bug');

process.stderr.write(
  'sedge demo: the model here is a replay of a recorded session (examples/calc.replay.jsonl), so there is no\n' +
    'network and no API key. Everything else is real: the agent loop, the shell, grep, the sed edits and the tests.\n' +
    `demo repo: ${dir} (a copy of examples/calc, whose add() subtracts)\n\n`,
);
const args = [
  join(root, 'bin', 'sedge.js'),
  'exec',
  '--model',
  `replay:${join(root, 'examples', 'calc.replay.jsonl')}`,
  '-C',
  dir,
  ...process.argv.slice(2),
  'Fix the failing test',
];
const run = spawnSync(process.execPath, args, {
  stdio: 'inherit',
  env: { SEDGE_REPLAY_DELAY_MS: '15', ...process.env },
});
const diff = spawnSync('git', ['-C', dir, '--no-pager', 'diff', '--stat', '--patch'], { encoding: 'utf8' });
process.stderr.write(`\nThe change it made (git -C ${dir} diff):\n\n${diff.stdout || '(no change)\n'}`);
process.exit(run.status ?? 1);
