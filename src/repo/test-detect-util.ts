/** Small helpers shared by the detectors: file probes, PATH lookup, guessing the runner from a command. */
import { constants } from 'node:fs';
import { access, readFile, readdir, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { TestRunner } from './test-types.js';

export async function readText(path: string): Promise<string | null> {
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size > 2_000_000) return null;
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

export async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch {
    return [];
  }
}

/**
 * "Is this program installed here?": detection asks it instead of reading PATH itself, so callers (and tests)
 * decide what counts as installed. `exe` may be relative (`./gradlew`, `node_modules/.bin/jest`): then `cwd`.
 */
export type ToolLookup = (exe: string, cwd?: string) => Promise<boolean>;

/** The real lookup: an executable on PATH (or, for a relative ./x, present in `cwd`). */
export async function onPath(exe: string, cwd?: string): Promise<boolean> {
  if (exe.includes('/')) {
    if (!cwd) return false;
    try {
      await access(join(cwd, exe), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      await access(join(dir, exe), constants.X_OK);
      return true;
    } catch {
      // next
    }
  }
  return false;
}

const RUNNER_PATTERNS: [RegExp, TestRunner][] = [
  [/\bvitest\b/, 'vitest'],
  [/\bjest\b/, 'jest'],
  [/\bmocha\b/, 'mocha'],
  [/\bnode\b[^|;&]*\s--test\b/, 'node-test'],
  [/\bava\b/, 'ava'],
  [/\buvu\b/, 'uvu'],
  [/(^|[\s/])(tap|tape)(\s|$)/, 'tap'],
  [/\bpytest\b|\bpy\.test\b/, 'pytest'],
  [/\bunittest\b|\bmanage\.py\s+test\b/, 'unittest'],
  [/\bgo\s+test\b/, 'go'],
  [/\bcargo\s+(test|nextest)\b/, 'cargo'],
  [/\bbats\b/, 'bats'],
  [/\bgradlew?\b/, 'gradle'],
  [/\bmvnw?\b/, 'maven'],
  [/\brspec\b/, 'rspec'],
  [/\brake\b|\brails\s+test\b/, 'minitest'],
  [/\bphpunit\b|\bpest\b|\bcomposer\b/, 'phpunit'],
  [/\b(tox|nox)\b/, 'tox'],
  [/(^|[\s;&|(])ctest\b/, 'ctest'],
  [/(^|[\s;&|])make\b/, 'make'],
];

export function inferRunner(command: string): TestRunner {
  for (const [re, runner] of RUNNER_PATTERNS) if (re.test(command)) return runner;
  return 'unknown';
}
