/**
 * Where streamed assistant markdown may be cut: what is committed (rendered once, into the scrollback)
 * and what stays live. Keeping the live part to a few lines keeps every redraw small.
 */

/**
 * Complete lines are committed one by one, so the live frame holds only the line being written, except
 * where a line alone would render differently: table rows and lines followed by an indented continuation
 * (nested list items) wait for their block, up to MAX_HELD_LINES.
 */
export const MAX_PENDING_LINES = 1;
export const MAX_HELD_LINES = 12;

/** May the block be cut after `line`, given the line after it (null: not known yet)? */
function cutsCleanly(line: string, next: string | null): boolean {
  if (next === null) return false;
  if (/^\s*\|/.test(line) || /^\s*\|/.test(next)) return false; // tables
  if (/^\s+\S/.test(next)) return false; // an indented continuation or nested item
  return true;
}

/**
 * Split streamed markdown into what can be committed now and what is still being written. Blocks end at
 * blank lines and closing code fences; a block longer than MAX_PENDING_LINES (outside a fence) is cut at
 * a line break (`midBlock`).
 */
export function splitCommitted(text: string): { commit: string; rest: string; midBlock: boolean } {
  const lines = text.split('\n');
  // The last element is an unfinished line (possibly empty): never committed here.
  let fence: string | null = null; // the opening line of the fence we are in
  let boundary = -1; // index of the line after which we may cut
  let forced = false;
  let blockStart = 0;
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i] ?? '';
    if (/^\s*(```|~~~)/.test(line)) {
      if (fence === null) fence = line;
      else {
        fence = null;
        boundary = i; // a closed fence ends a block
        forced = false;
      }
    } else if (fence === null && line.trim() === '') {
      boundary = i;
      forced = false;
    } else if (
      i > boundary &&
      i - blockStart + 1 >= MAX_PENDING_LINES &&
      (fence !== null || i - blockStart + 1 >= MAX_HELD_LINES || cutsCleanly(line, nextKnown(lines, i)))
    ) {
      boundary = i;
      forced = true;
    }
    if (boundary === i) blockStart = i + 1;
  }
  if (boundary < 0) return { commit: '', rest: text, midBlock: false };
  let commit = lines.slice(0, boundary + 1).join('\n');
  let rest = lines.slice(boundary + 1).join('\n');
  // Cut inside a code fence: close it in the committed part and reopen it in the rest.
  const open = openFence(lines.slice(0, boundary + 1));
  if (open !== null) {
    const marker = /^\s*(```+|~~~+)/.exec(open)?.[1] ?? '```';
    commit = `${commit}\n${marker}`;
    rest = `${open}\n${rest}`;
  }
  return { commit, rest, midBlock: forced };
}

/** The line after i once at least its first character has arrived. */
function nextKnown(lines: string[], i: number): string | null {
  const next = lines[i + 1];
  if (next === undefined) return null;
  return i + 1 < lines.length - 1 || next.length > 0 ? next : null;
}

function openFence(lines: string[]): string | null {
  let fence: string | null = null;
  for (const line of lines) if (/^\s*(```|~~~)/.test(line)) fence = fence === null ? line : null;
  return fence;
}
