import { createTwoFilesPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { diffStat } from '../../src/tools/diff-stat.js';

describe('diffStat', () => {
  it('counts added and removed lines inside hunks, never the file headers', () => {
    const diff = createTwoFilesPatch('a.sql', 'a.sql', 'keep\n-- old comment\nx\n', 'keep\n++ new\nx\ny\n');
    expect(diff).toContain('--- a.sql');
    // "-- old comment" removed (a line starting with "--"), "++ new" and "y" added
    expect(diffStat(diff)).toEqual({ added: 2, removed: 1 });
  });

  it('adds up several files and hunks; empty input is zero', () => {
    const one = createTwoFilesPatch('a', 'a', '1\n2\n3\n', '1\n3\n');
    const two = createTwoFilesPatch('b', 'b', '', 'new\n');
    expect(diffStat(`${one}${two}`)).toEqual({ added: 1, removed: 1 });
    expect(diffStat('')).toEqual({ added: 0, removed: 0 });
  });
});
