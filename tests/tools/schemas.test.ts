import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS shared with the benchmark
import { fixedPrefixTokens } from '../../bench/prefix.js';
import { createGrepTool } from '../../src/tools/grep.js';
import { createRecallTool } from '../../src/traces/recall-tool.js';
import { createSedTool } from '../../src/tools/sed.js';
import { createShellTool } from '../../src/tools/shell.js';
import { createThinkTool } from '../../src/tools/think.js';

const dir = mkdtempSync(join(tmpdir(), 'sedge-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tools = [
  createShellTool({ workspace: dir }),
  createGrepTool({ workspace: dir }),
  createSedTool({ workspace: dir }),
  createThinkTool(),
];

describe('what the model sees', () => {
  it('has exactly the four tools with the documented parameters', () => {
    expect(tools.map((t) => t.name)).toEqual(['shell', 'grep', 'sed', 'think']);
    const params = (i: number) => Object.keys((tools[i]?.schema.parameters.properties ?? {}) as object);
    expect(params(0)).toEqual(['command', 'timeout_s']);
    expect(params(1)).toEqual(['pattern', 'path', 'glob', 'ignore_case', 'context', 'max_results']);
    expect(params(2)).toEqual(['path', 'script']);
    expect(params(3)).toEqual(['thought']);
  });

  for (const tool of tools) {
    it(`keeps the ${tool.name} schema stable`, () => {
      expect(tool.schema).toMatchSnapshot();
    });
  }

  it('keeps the fixed prefix (system prompt + every schema sedge sends, recall included) under 1,000 tokens', () => {
    const recall = createRecallTool({ store: { search: () => [] } as never, repoRoot: dir });
    const { total } = fixedPrefixTokens([...tools, recall]);
    expect(total).toBeLessThan(1000);
  });
});
