import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { readPrompt } from '../config/prompts.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { boundedDiff } from './bounded-diff.js';
import { runSed, type SedOutput, type SedResult } from './sed-engine.js';
import { parseSedScript } from './sed-script.js';
import type { SedCommand, SedProgram } from './sed-types.js';
import { defineTool, type Tool, type ToolResult } from './tool.js';
import { resolveWorkspacePath } from './workspace-path.js';

export interface SedToolOptions {
  workspace: string;
  /** directories the model may view but never edit (e.g. where long tool outputs are saved) */
  readOnlyRoots?: string[];
  /** where atomic edits put their temp files (outside the work tree); next to the file when unset */
  tmpDir?: string;
}

const MAX_FILE_BYTES = 20 * 1024 * 1024;
const MAX_VIEW_LINE = 2000;
const VIEW_ONLY = new Set(['p', '=', 'q', 'Q', '{']);

const SED_PARAMS = z.object({
  path: z.string().min(1).describe('File path, relative to the repo root.'),
  script: z.string().min(1).describe('sed script.'),
});

export function createSedTool(opts: SedToolOptions): Tool {
  return defineTool({
    name: 'sed',
    kind: 'edit',
    kindOf: (p) => sedKind(p.script),
    description: readPrompt('tools/sed.md'),
    parameters: SED_PARAMS,
    title: (p) => `sed ${p.path} ${p.script}`,
    execute: (p, ctx) => runSedTool(opts, p.path, p.script, ctx.signal),
  });
}

/** True when a script has no edit commands: it is a view (what `sed -n` would print). */
export function isViewScript(program: SedProgram): boolean {
  return program.all.every((c) => VIEW_ONLY.has(c.name));
}

/** A script that only prints is a read; anything else (or a script that does not parse) may edit. */
export function sedKind(script: string): 'read' | 'edit' {
  try {
    return isViewScript(parseSedScript(script)) ? 'read' : 'edit';
  } catch {
    return 'edit';
  }
}

const error = (output: string): ToolResult => ({ output, isError: true });

async function runSedTool(
  opts: SedToolOptions,
  path: string,
  script: string,
  signal: AbortSignal,
): Promise<ToolResult> {
  let program: SedProgram;
  try {
    program = parseSedScript(script);
  } catch (err) {
    return error((err as Error).message);
  }
  const view = isViewScript(program);
  if (!view) {
    const printing = program.all.find((c) => c.name === 'p' || c.name === '=' || (c.name === 's' && c.print));
    if (printing) {
      return error(
        `\`${printing.text}\` prints, but this script also edits the file (printing inside an edit would write lines ` +
          'twice). Drop the p/= (the edit returns a diff), or view and edit in two separate calls.',
      );
    }
  }

  const { abs, rel } = await resolveWorkspacePath(opts.workspace, path, {
    write: !view,
    readOnlyRoots: opts.readOnlyRoots ?? [],
  });
  const file = await readTextFile(abs, rel, !view);
  if (typeof file === 'string') return error(file);

  // with p or =, -n semantics; a script of only q (e.g. "10q") shows what plain sed prints: the head
  const quiet = view ? program.all.some((c) => c.name === 'p' || c.name === '=') : false;
  const result = runSed(program, file.lines, { quiet });
  if (view) return formatView(rel, script, file.lines.length, result);
  if (file.lines.length === 0) {
    return error(
      `${rel} is empty, so no command can match. To write its content use the shell tool, e.g. cat > ${rel} <<'EOF' … EOF`,
    );
  }

  const failed = unmatched(program, result);
  if (failed.length > 0) return error(describeUnmatched(rel, program, result, failed, file.lines));
  const newLines = result.out
    .map((o) => o.text)
    .join('\n')
    .split('\n');
  const after = result.out.length === 0 ? [] : newLines;
  const oldText = joinLines(file.lines, '\n', file.trailingNewline);
  const newText = joinLines(after, '\n', file.trailingNewline);
  if (oldText === newText) {
    const summary = program.all.map((c) => `\`${c.text}\` ${plural(result.counts[c.id] ?? 0, 'line')}`).join(', ');
    return error(`The script matched (${summary}) but left ${rel} unchanged; nothing was written.`);
  }
  if (signal.aborted) return error('sed was interrupted; nothing was written.');
  await writeFileAtomic(abs, file.bom + joinLines(after, file.eol, file.trailingNewline), {
    ...(opts.tmpDir ? { tmpDir: opts.tmpDir } : {}),
  });
  // bounded: an edit of every line of a big file must not hold the main thread (Myers is quadratic there)
  const diff = boundedDiff(rel, oldText, newText).text;
  const note = file.eol === '\r\n' ? '\n(CRLF line endings kept)' : '';
  return { output: `${diff.trimEnd()}${note}`, data: { diff, files_changed: [rel] } };
}

interface TextFile {
  lines: string[];
  eol: '\n' | '\r\n';
  trailingNewline: boolean;
  bom: string;
}

/**
 * Read a text file into lines, remembering its line ending, final newline and BOM; or an error message.
 * For an edit the file must be valid UTF-8 (decoding anything else and writing it back would corrupt it).
 */
async function readTextFile(abs: string, rel: string, strict: boolean): Promise<TextFile | string> {
  const st = await stat(abs).catch((err: NodeJS.ErrnoException) => err);
  if (st instanceof Error) {
    if (st.code === 'ENOENT' || st.code === 'ENOTDIR') {
      return `${rel} does not exist. sed views and edits existing files; to create one use the shell tool, e.g. cat > ${rel} <<'EOF' … EOF`;
    }
    throw st;
  }
  if (st.isDirectory())
    return `${rel} is a directory, not a file. List it with the shell tool (ls ${rel}) or search it with grep.`;
  if (!st.isFile()) return `${rel} is not a regular file.`;
  if (st.size > MAX_FILE_BYTES)
    return `${rel} is too large for sed (${st.size} bytes). Use grep or the shell tool (head, tail).`;
  const buf = await readFile(abs);
  if (buf.subarray(0, 8192).includes(0)) {
    return `${rel} looks binary (it contains NUL bytes); sed only handles text. Inspect it with the shell tool (e.g. file ${rel}, xxd ${rel} | head).`;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: strict, ignoreBOM: true }).decode(buf);
  } catch {
    return `${rel} is not valid UTF-8 text; sed edits only UTF-8 files (editing it would corrupt other characters). Use the shell tool (e.g. iconv, or perl -i with the right encoding).`;
  }
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  text = text.slice(bom.length);
  const lf = (text.match(/\n/g) ?? []).length;
  const crlf = (text.match(/\r\n/g) ?? []).length;
  const eol = lf > 0 && crlf === lf ? '\r\n' : '\n';
  const trailingNewline = text.endsWith('\n');
  const body = trailingNewline ? text.slice(0, text.length - eol.length) : text;
  return { lines: text === '' ? [] : body.split(eol), eol, trailingNewline, bom };
}

function joinLines(lines: readonly string[], eol: string, trailingNewline: boolean): string {
  if (lines.length === 0) return '';
  return lines.join(eol) + (trailingNewline ? eol : '');
}

function formatView(rel: string, script: string, total: number, result: SedResult): ToolResult {
  const data = { files_read: [rel] };
  if (total === 0) return { output: `${rel} is empty (0 lines).`, data };
  const shown = result.out.filter((o): o is SedOutput & { line: number } => o.line !== null);
  if (shown.length === 0) {
    return {
      output: `Nothing printed: \`${script.trim()}\` selected no line of ${rel} (${plural(total, 'line')}).`,
      data,
    };
  }
  // aligned to the widest number in this view, not in the file: padding costs a token a line
  const width = String(Math.max(...shown.map((o) => o.line))).length;
  const body = shown.map((o) =>
    o.kind === 'number' ? String(o.line) : `${String(o.line).padStart(width)}\t${clip(o.text)}`,
  );
  const nums = shown.map((o) => o.line);
  const first = nums[0] as number;
  const last = nums[nums.length - 1] as number;
  const contiguous = nums.every((n, i) => n === first + i);
  const end = last === total ? ' (end of file)' : '';
  // the path is in the call this answers; the header says only where in the file the view is
  const header = contiguous
    ? `${first === last ? `line ${first}` : `lines ${first}-${last}`} of ${total}${end}`
    : `${plural(new Set(nums).size, 'line')} of ${total}`;
  return { output: `${header}\n${body.join('\n')}`, data };
}

function clip(text: string): string {
  return text.length > MAX_VIEW_LINE
    ? `${text.slice(0, MAX_VIEW_LINE)}… [${text.length - MAX_VIEW_LINE} more characters]`
    : text;
}

/** Commands that matched nothing; inside a block that never ran, only the block is named. */
function unmatched(program: SedProgram, result: SedResult): SedCommand[] {
  return program.all.filter(
    (c) => result.counts[c.id] === 0 && (c.parent === null || (result.counts[c.parent] ?? 0) > 0),
  );
}

function describeUnmatched(
  rel: string,
  program: SedProgram,
  result: SedResult,
  failed: SedCommand[],
  lines: readonly string[],
): string {
  const names = failed.map((c) => `\`${c.text}\``).join(', ');
  const out: string[] = [`${names} matched no line in ${rel}; nothing was written.`];
  const matched = program.all.filter((c) => !failed.includes(c) && (result.counts[c.id] ?? 0) > 0 && c.parent === null);
  if (matched.length > 0) {
    out.push(
      `The other command(s) did match (${matched.map((c) => `\`${c.text}\` ${plural(result.counts[c.id] ?? 0, 'line')}`).join(', ')}), ` +
        'but a script is applied all or nothing: fix or drop the command that matched nothing and run it again.',
    );
  }
  if (failed.some((c) => regexesOf(c).some((r) => r.re.source.includes('\\n')))) {
    out.push(
      'sed matches one line at a time, so \\n in a regex never matches. To replace several lines use a range with c ' +
        '(e.g. "10,12c\\" + newline + new text, or /start/,/end/c), or d and i/a.',
    );
  }
  const hints = failed.map((c) => otherReadingHint(c, lines)).filter((h): h is string => h !== null);
  if (hints.length > 0) out.push(...hints);
  else if (failed.some((c) => c.name === 's' || c.sel.a1?.type === 'regex')) {
    out.push(
      'Check the exact text first with a view (e.g. script "/needle/p"). Regexes are ERE: ( ) + ? | { } are operators; ' +
        'write [(] [+] etc. for the literal characters.',
    );
  }
  return out.join('\n');
}

/** When the regex's other reading (ERE vs GNU BRE) would have matched, say so: the usual cause is ( ) or + meant literally. */
function otherReadingHint(c: SedCommand, lines: readonly string[]): string | null {
  for (const { re, other } of regexesOf(c)) {
    if (!other) continue;
    const hits = lines.filter((l) => ((other.lastIndex = 0), other.test(l))).length;
    if (hits === 0) continue;
    return (
      `\`${c.text}\`: the regex was read as /${re.source}/; read as /${other.source}/ it would match ${plural(hits, 'line')}. ` +
      'Write it unambiguously: [(] [)] [+] [|] for literal characters, bare ( ) + | for regex operators.'
    );
  }
  return null;
}

function regexesOf(c: SedCommand): Array<{ re: RegExp; other?: RegExp }> {
  const regexes: Array<{ re: RegExp; other?: RegExp }> = [];
  if (c.name === 's') regexes.push(c);
  for (const a of [c.sel.a1, c.sel.a2]) if (a?.type === 'regex') regexes.push(a);
  return regexes;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
