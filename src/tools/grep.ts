import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { readPrompt } from '../config/prompts.js';
import { createRgSplitter, type RgRecord } from './rg-lines.js';
import { defineTool, type Tool } from './tool.js';
import { resolveWorkspacePath } from './workspace-path.js';

export interface GrepOptions {
  workspace: string;
  /** directories that may be searched besides the workspace (read-only) */
  readOnlyRoots?: string[];
  /** path of the rg binary; defaults to the one @vscode/ripgrep ships */
  rgPath?: string;
  timeoutMs?: number;
}

/** Stop reading after this many matches in all: the count after it is reported as "more than". */
const HARD_STOP = 50_000;
/** Longest line text shown; longer ones are cut with a marker. */
const MAX_COLUMNS = 400;

let cachedRg: string | undefined;
/** Resolve rg lazily: importing @vscode/ripgrep at startup is not free. */
export function defaultRgPath(): string {
  if (cachedRg) return cachedRg;
  const require = createRequire(import.meta.url);
  const pkg = `@vscode/ripgrep-${process.platform}-${process.arch}`;
  try {
    cachedRg = require.resolve(`${pkg}/bin/${process.platform === 'win32' ? 'rg.exe' : 'rg'}`);
  } catch {
    throw new Error(`ripgrep binary not found (${pkg} is not installed); reinstall sedge with optional dependencies`);
  }
  return cachedRg;
}

const Params = z.object({
  pattern: z.string().min(1).describe('Regex (Rust syntax).'),
  path: z.string().optional().describe('File or directory; default: the repo.'),
  glob: z.string().optional().describe('File glob, e.g. "*.ts" or "!dist/**".'),
  ignore_case: z.boolean().optional().describe('Case-insensitive.'),
  context: z.number().int().min(0).max(20).optional().describe('Context lines.'),
  max_results: z.number().int().min(1).max(2000).optional().describe('Default 200.'),
});

export function createGrepTool(opts: GrepOptions): Tool {
  return defineTool({
    name: 'grep',
    kind: 'read',
    description: readPrompt('tools/grep.md'),
    parameters: Params,
    title: (p) => `grep ${JSON.stringify(p.pattern)}${p.path ? ` ${p.path}` : ''}${p.glob ? ` --glob ${p.glob}` : ''}`,
    async execute(p, ctx) {
      const target = await resolveWorkspacePath(opts.workspace, p.path ?? '.', {
        readOnlyRoots: opts.readOnlyRoots ?? [],
      });
      // Structured arguments only: the pattern goes after -e, the path after --, so no value can become a flag.
      // --no-config keeps RIPGREP_CONFIG_PATH from adding flags (such as --pre, which runs programs).
      // A FIFO, socket or device named directly would block rg (or never end): only files and directories.
      // (A directory walk skips non-regular files by itself.)
      const kind = await stat(target.abs).catch(() => null);
      if (kind && !kind.isFile() && !kind.isDirectory())
        return {
          output: `${target.rel} is not a regular file or directory (a FIFO, socket or device); not searched.`,
          isError: true,
        };
      const args = ['--no-config', '--json'];
      if (p.ignore_case) args.push('--ignore-case');
      if (p.context) args.push('--context', String(p.context));
      if (p.glob) args.push(`--glob=${p.glob}`);
      args.push('-e', p.pattern, '--', target.rel);
      const max = p.max_results ?? 200;
      const result = await runRipgrep(
        opts.rgPath ?? defaultRgPath(),
        args,
        opts.workspace,
        max,
        ctx.signal,
        opts.timeoutMs ?? 60_000,
      );
      if (result.error) return { output: result.error, isError: true };
      if (result.matches === 0)
        return { output: `No matches for /${p.pattern}/ in ${target.rel === '.' ? 'the repository' : target.rel}.` };
      const shown = Math.min(result.matches, max);
      const left = result.matches - shown;
      const cut = result.timedOut
        ? `\n[search stopped after ${result.timedOut} s: results are partial; narrow it with path or glob]`
        : '';
      const more =
        left > 0
          ? `\n[${result.stopped ? `more than ${left}` : left} more match(es) not shown; narrow with path/glob or raise max_results]`
          : '';
      // the count is only news when some matches are not shown (every shown line says its own path)
      const head =
        left > 0
          ? `${result.matches}${result.stopped ? '+' : ''} match(es) in ${result.files} file(s), first ${shown} shown:\n`
          : '';
      return { output: `${head}${result.lines.join('\n')}${more}${cut}` };
    },
  });
}

interface RgResult {
  lines: string[];
  matches: number;
  files: number;
  stopped: boolean;
  /** seconds after which the search was stopped (the matches so far are still shown) */
  timedOut?: number;
  error?: string;
}

function runRipgrep(
  rg: string,
  args: string[],
  cwd: string,
  max: number,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<RgResult> {
  return new Promise((resolve) => {
    const child = spawn(rg, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RIPGREP_CONFIG_PATH: '' },
    });
    const out: RgResult = { lines: [], matches: 0, files: 0, stopped: false };
    let stderr = '';
    let lastPath = '';
    let timedOut = false;
    const kill = () => child.kill('SIGKILL');
    const timer = setTimeout(() => ((timedOut = true), kill()), timeoutMs);
    signal.addEventListener('abort', kill, { once: true });

    const onRecord = (msg: RgRecord) => {
      if (msg.type === 'begin') out.files++;
      if (msg.type !== 'match' && msg.type !== 'context') return;
      if (msg.type === 'match') out.matches++;
      if (out.matches > max || (msg.type === 'context' && out.matches >= max)) {
        if (out.matches >= HARD_STOP) (out.stopped = true), kill();
        return;
      }
      const path = msg.path.replace(/^\.\//, '');
      if (lastPath && path !== lastPath && msg.type === 'match' && out.lines.length && args.includes('--context'))
        out.lines.push('--');
      lastPath = path;
      const sep = msg.type === 'match' ? ':' : '-';
      out.lines.push(`${path}${sep}${msg.lineNumber ?? '?'}${sep}${msg.text}`);
    };
    // linear in the output and bounded per line, whatever the line lengths (rg --json ignores --max-columns)
    const splitter = createRgSplitter(onRecord, { maxColumns: MAX_COLUMNS });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => splitter.push(d));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    const finish = (code: number | null) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', kill);
      splitter.end();
      if (timedOut && out.matches === 0)
        out.error = `grep timed out after ${Math.round(timeoutMs / 1000)} s; narrow the search with path or glob.`;
      else if (timedOut) out.timedOut = Math.round(timeoutMs / 1000);
      else if (code === 2 && out.matches === 0 && !out.stopped) out.error = describeRgError(stderr);
      resolve(out);
    };
    child.on('error', (err) => {
      out.error = `could not run ripgrep: ${err.message}`;
      finish(2);
    });
    child.on('close', finish);
  });
}

function describeRgError(stderr: string): string {
  const text = stderr.trim();
  if (/regex parse error|error parsing regex/i.test(text)) {
    return `Invalid regular expression:\n${text.replace(/^rg: /, '')}\nFix the pattern (Rust regex syntax: escape ( ) [ ] { } . * + ? | with a backslash to match them literally).`;
  }
  return `grep failed: ${text || 'ripgrep exited with status 2'}`;
}
