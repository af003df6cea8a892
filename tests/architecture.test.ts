import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * DESIGN §2 is enforced by dependency-cruiser with .dependency-cruiser.cjs (`npm run lint`). These tests run
 * the real checker: on the real tree (it passes and it did see the imports), and on a temp copy of src/ with
 * violations planted (each one is reported).
 */
const ROOT = resolve(__dirname, '..');
const BIN = join(ROOT, 'node_modules', '.bin', 'depcruise');
const run = promisify(execFile);

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}
interface Cruise {
  modules: { source: string; dependencies: { resolved: string }[] }[];
  summary: { error: number; totalCruised: number; totalDependenciesCruised: number; violations: Violation[] };
}

/** The checker as `npm run lint` runs it (exit code = number of errors), and its JSON report. */
async function cruise(dir: string): Promise<{ code: number; result: Cruise }> {
  const args = ['src', '--config', '.dependency-cruiser.cjs'];
  const exitCode = run(BIN, args, { cwd: dir }).then(
    () => 0,
    (err: { code?: unknown }) => {
      if (typeof err.code !== 'number') throw err;
      return err.code;
    },
  );
  const json = run(BIN, [...args, '--output-type', 'json'], { cwd: dir, maxBuffer: 64 << 20 });
  const [code, { stdout }] = await Promise.all([exitCode, json]);
  return { code, result: JSON.parse(stdout) as Cruise };
}

/** file under src/ -> the line appended to it -> the rule and target the checker must report */
const PLANTS: { file: string; line: string; rule: string; to: string }[] = [
  // the example: the agent importing a front end
  {
    file: 'src/agent/context.ts',
    line: "import { reduce as plantedReduce } from '../ui/transcript.js';\nexport const planted1 = plantedReduce;",
    rule: 'layer-agent',
    to: 'src/ui/transcript.ts',
  },
  // the four the old regex test let through
  {
    file: 'src/ui/format.ts',
    line: "import { loadSettings as plantedLoad } from '../config/load.js';\nexport const planted2 = plantedLoad;",
    rule: 'layer-ui',
    to: 'src/config/load.ts',
  },
  { file: 'src/agent/turn.ts', line: "import '../ui/usage.js';", rule: 'layer-agent', to: 'src/ui/usage.ts' },
  {
    file: 'src/traces/bm25.ts',
    line: "import { createRequire } from 'node:module';\nexport const planted4 = createRequire(import.meta.url)('../cli/main.js');",
    rule: 'no-create-require',
    to: 'module',
  },
  {
    file: 'src/tools/think.ts',
    line: "import type { TraceStore } from '../traces/store.js';\nexport type Planted5 = TraceStore;",
    rule: 'layer-tools',
    to: 'src/traces/store.ts',
  },
  // an import nobody can check
  {
    file: 'src/exec/output.ts',
    line: "import { nothing } from './no-such-file.js';\nexport const planted6 = nothing;",
    rule: 'not-to-unresolvable',
    to: './no-such-file.js',
  },
  // a second reader of the config files below cli/
  {
    file: 'src/repo/root.ts',
    line: "import { loadSettings as plantedLoad } from '../config/load.js';\nexport const planted7 = plantedLoad;",
    rule: 'config-read-in-cli-only',
    to: 'src/config/load.ts',
  },
  // the builtin-module back door
  {
    file: 'src/exec/framing.ts',
    line: "export const planted8 = process.getBuiltinModule('module');",
    rule: 'no-create-require',
    to: 'module',
  },
];

describe('layering (dependency-cruiser, DESIGN §2)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'sedge-arch-'));
    cpSync(join(ROOT, 'src'), join(tmp, 'src'), { recursive: true });
    cpSync(join(ROOT, '.dependency-cruiser.cjs'), join(tmp, '.dependency-cruiser.cjs'));
    cpSync(join(ROOT, 'package.json'), join(tmp, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(tmp, 'node_modules'), 'dir');
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('passes on the real tree, having seen its modules and the imports between folders', async () => {
    const { code, result } = await cruise(ROOT);
    expect(result.summary.violations).toEqual([]);
    expect(code).toBe(0);
    expect(result.summary.totalCruised).toBeGreaterThan(80);
    expect(result.summary.totalDependenciesCruised).toBeGreaterThan(250);
    const deps = (source: string) => result.modules.find((m) => m.source === source)?.dependencies ?? [];
    // a few known arrows, so a checker that silently parses nothing cannot pass
    expect(deps('src/cli/compose.ts').map((d) => d.resolved)).toContain('src/agent/loop.ts');
    expect(deps('src/agent/loop.ts').map((d) => d.resolved)).toContain('src/tools/tool.ts');
    expect(deps('src/ui/interactive.ts').map((d) => d.resolved)).toContain('src/agent/session-files.ts');
    expect(deps('src/ui/app.tsx').map((d) => d.resolved)).toContain('node_modules/ink/build/index.js');
  }, 180_000);

  it('fails on each planted violation in a copy of src/', async () => {
    for (const p of PLANTS) appendFileSync(join(tmp, p.file), `\n${p.line}\n`);
    const { code, result } = await cruise(tmp);
    expect(code).not.toBe(0);
    const found = result.summary.violations.map((v) => `${v.rule.name} ${v.from} -> ${v.to}`);
    for (const p of PLANTS) expect(found).toContain(`${p.rule} ${p.file} -> ${p.to}`);
  }, 180_000);
});
