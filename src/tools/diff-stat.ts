/**
 * Lines added and removed by a unified diff. Counted inside hunks by the hunk headers' lengths, so a
 * removed line that itself starts with "--" is counted and the "---"/"+++" file headers never are.
 */
export function diffStat(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  let oldLeft = 0;
  let newLeft = 0;
  for (const line of diff.split('\n')) {
    if (oldLeft > 0 || newLeft > 0) {
      if (oldLeft === Number.POSITIVE_INFINITY && /^(diff |Index: )/.test(line)) oldLeft = newLeft = 0;
      else if (line.startsWith('+')) added++, newLeft--;
      else if (line.startsWith('-')) removed++, oldLeft--;
      else if (!line.startsWith('\\')) oldLeft--, newLeft--;
      continue;
    }
    const hunk = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(line);
    // a bare "@@" (hand-written diffs) has no lengths: count to the next file
    if (line.trim() === '@@') oldLeft = newLeft = Number.POSITIVE_INFINITY;
    else if (hunk) {
      oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
      newLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
    }
  }
  return { added, removed };
}
