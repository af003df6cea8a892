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

process.stderr.write(`demo repo: ${dir}\n`);
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
process.stderr.write(`\nsee the change: git -C ${dir} diff\n`);
process.exit(run.status ?? 1);
