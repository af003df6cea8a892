import { describe, expect, it } from 'vitest';
import { isCi, needTool } from './need-tool.js';

describe('needTool', () => {
  const missing = 'sedge-no-such-tool-4b1d';

  it('runs a test whose tool is installed', () => {
    expect(needTool('node', { PATH: process.env.PATH })).toBe(true);
  });

  it('skips with the reason when the tool is missing outside CI', () => {
    const lines: string[] = [];
    expect(needTool(missing, { PATH: process.env.PATH }, (m) => lines.push(m))).toBe(false);
    expect(lines.join('\n')).toContain(`needs ${missing}`);
  });

  it('fails under CI=true when the tool is missing', () => {
    expect(() => needTool(missing, { PATH: process.env.PATH, CI: 'true' }, () => {})).toThrow(/CI=true.*not installed/);
  });

  it('reads CI like CI systems set it', () => {
    expect([isCi({ CI: 'true' }), isCi({ CI: '1' }), isCi({ CI: 'false' }), isCi({})]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});
