import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { excludeProgramDirs, systemProgram } from '../../src/exec/system-programs.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'sedge-sysprog-')));
afterAll(() => {
  excludeProgramDirs([]);
  rmSync(root, { recursive: true, force: true });
});

function program(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, '#!/bin/sh\n');
  chmodSync(p, 0o755);
  return p;
}

describe('systemProgram', () => {
  it('answers for the PATH it is given, not the one it saw first', () => {
    const a = program(join(root, 'a'), 'sedge-probe-tool');
    const b = program(join(root, 'b'), 'sedge-probe-tool');
    expect(systemProgram('sedge-probe-tool', join(root, 'a'))).toBe(a);
    expect(systemProgram('sedge-probe-tool', join(root, 'b'))).toBe(b);
  });

  it('a new workspace that covers a PATH dir changes the answer; one that does not keeps it', () => {
    const first = program(join(root, 'ws', 'bin'), 'sedge-probe-two');
    const second = program(join(root, 'sys'), 'sedge-probe-two');
    const path = `${join(root, 'ws', 'bin')}:${join(root, 'sys')}`;
    excludeProgramDirs([join(root, 'elsewhere')]);
    expect(systemProgram('sedge-probe-two', path)).toBe(first);
    excludeProgramDirs([join(root, 'ws')]);
    expect(systemProgram('sedge-probe-two', path)).toBe(second);
    excludeProgramDirs([join(root, 'other')]);
    expect(systemProgram('sedge-probe-two', path)).toBe(first);
  });
});
