import { describe, expect, it } from 'vitest';
import { approvalBanner } from '../../src/ui/interactive.js';

describe('the start banner says what runs without asking, true to the sandbox in force', () => {
  it('with the sandbox on, commands run unasked when it contains them', () => {
    expect(approvalBanner(false, 'workspace-write')).toMatch(/without asking when the sandbox contains them/);
    expect(approvalBanner(false, 'workspace-write')).toMatch(/sandbox workspace-write$/);
  });
  it('with the sandbox off it does not claim a sandbox contains anything', () => {
    const line = approvalBanner(false, 'off');
    expect(line).not.toMatch(/sandbox contains/);
    expect(line).toMatch(/sandbox off: commands run unconfined/);
    expect(line).toMatch(/--ask/);
  });
  it('with --ask every command asks', () => {
    expect(approvalBanner(true, 'off')).toBe('commands ask before they run · sandbox off');
  });
});
