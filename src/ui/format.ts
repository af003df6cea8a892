/**
 * Items to terminal text (pure string functions; the components only place the strings).
 */
import { stripVTControlCharacters } from 'node:util';
import { bold, cyan, dim, gray, green, magenta, red, renderMarkdown, yellow, type Style } from './markdown.js';
import { splitByWidth, wrapByWidth } from './text-width.js';
import type { Item, ToolResultView } from './transcript.js';

/** Lines of a tool's output shown on its card before folding. */
export const CARD_LINES = 6;
/** Lines of a diff shown before folding. */
export const DIFF_LINES = 40;

export function secs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

export function tokens(n: number): string {
  return n < 1000 ? String(n) : n < 1_000_000 ? `${(n / 1000).toFixed(1)}k` : `${(n / 1_000_000).toFixed(2)}M`;
}

/** Strip terminal control sequences and carriage-return overwrites from tool output. */
export function cleanOutput(s: string): string {
  return stripVTControlCharacters(s)
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((l) => (l.includes('\r') ? (l.split('\r').filter(Boolean).pop() ?? '') : l))
    .join('\n')
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}

/** Hard-wrap plain text into rows of at most `width` terminal columns (CJK and emoji count two). */
export function wrapRows(text: string, width: number): string[] {
  return text.split('\n').flatMap((line) => splitByWidth(line, width).map((r) => r.text));
}

/** The last `max` rows of text wrapped at `width` columns (hard-wrapped, or word-wrapped with `words`). */
export function tailRows(text: string, width: number, max: number, words = false): string[] {
  if (max <= 0) return [];
  // Only wrap the end of a long text: each row holds at least one char, so max*width chars suffice.
  const slice = text.length > (max + 1) * width * 2 ? text.slice(-(max + 1) * width * 2) : text;
  const rows = words ? wrapByWidth(slice, width) : wrapRows(slice, width);
  return rows.slice(-max);
}

export function colorDiff(diff: string, st: Style): string {
  return diff
    .split('\n')
    .filter((l) => !/^(=+|Index: .*)$/.test(l))
    .map((l) => {
      if (l.startsWith('+++') || l.startsWith('---')) return bold(st, l);
      if (l.startsWith('+')) return green(st, l);
      if (l.startsWith('-')) return red(st, l);
      if (l.startsWith('@@')) return cyan(st, l);
      return dim(st, l);
    })
    .join('\n');
}

function fold(lines: string[], keep: number, st: Style, expanded: boolean): string[] {
  if (expanded || lines.length <= keep) return lines;
  return [...lines.slice(0, keep), dim(st, `… ${lines.length - keep} more lines (Ctrl-O to expand)`)];
}

function toolHeader(name: string, title: string, r: ToolResultView, st: Style): string {
  const mark = r.isError ? red(st, '✗') : green(st, '✓');
  const label =
    title.startsWith(`${name} `) || title === name
      ? `${bold(st, name)}${title.slice(name.length)}`
      : `${bold(st, name)} ${title}`;
  const meta: string[] = [];
  if (r.decision) meta.push(r.decision);
  if (r.exitCode !== undefined) meta.push(r.exitCode === 0 ? 'exit 0' : red(st, `exit ${r.exitCode}`));
  if (r.timedOut) meta.push(yellow(st, 'timed out'));
  if (r.filesChanged?.length) meta.push(`edited ${r.filesChanged.join(', ')}`);
  meta.push(secs(r.durationMs));
  return `${mark} ${label} ${dim(st, `· ${meta.join(' · ')}`)}`;
}

function indent(lines: string[]): string[] {
  return lines.map((l) => `  ${l}`);
}

export function formatTool(item: Extract<Item, { kind: 'tool' }>, st: Style): string {
  const r = item.result;
  const head = toolHeader(item.name, item.title, r, st);
  const expanded = Boolean(item.expanded);
  if (r.diff) {
    const lines = colorDiff(r.diff.replace(/\n$/, ''), st).split('\n');
    return [head, ...indent(fold(lines, DIFF_LINES, st, expanded))].join('\n');
  }
  const out = cleanOutput(r.text).replace(/\n+$/, '');
  if (!out.trim()) return head;
  const lines = out.split('\n').map((l) => (r.isError ? l : dim(st, l)));
  return [head, ...indent(fold(lines, CARD_LINES, st, expanded))].join('\n');
}

export function formatItem(item: Item, st: Style, width: number): string {
  switch (item.kind) {
    case 'user':
      return `${cyan(st, '›')} ${bold(st, item.text)}`;
    case 'assistant':
      return renderMarkdown(item.text, st, width);
    case 'tool':
      return formatTool(item, st);
    case 'thought': {
      const lines = item.text.trim().split('\n');
      const label = item.source === 'think' ? 'think' : 'reasoning';
      const body = fold(lines, item.expanded ? lines.length : 2, st, Boolean(item.expanded));
      return [`${magenta(st, '∴')} ${dim(st, label)}`, ...indent(body.map((l) => dim(st, l)))].join('\n');
    }
    case 'verify': {
      const o = item.outcome;
      const mark = o.skipped_reason ? yellow(st, '○') : o.ok ? green(st, '✓') : red(st, '✗');
      const head = `${mark} ${bold(st, 'tests')} ${o.command ?? ''} ${dim(st, `· ${o.skipped_reason ?? o.summary} · ${secs(o.duration_ms)}`)}`;
      const fails = o.new_failures.slice(0, 10).map((f) => `  ${red(st, '✗')} ${f}`);
      if (o.new_failures.length > 10) fails.push(dim(st, `  … ${o.new_failures.length - 10} more`));
      return [head, ...fails].join('\n');
    }
    case 'recall':
      return dim(st, `↺ recalled ${item.items.length} prior run(s) from this repo (${item.tokens} tokens) · /traces`);
    case 'error':
      return `${item.fatal ? red(st, 'error') : yellow(st, 'warning')}: ${item.message}`;
    case 'run_end': {
      const verdict =
        item.status === 'done'
          ? green(st, 'done')
          : item.status === 'aborted'
            ? yellow(st, 'interrupted')
            : red(st, item.status);
      const u = item.usage;
      return `${verdict} ${dim(st, `· ${item.reason} · ${item.steps} step(s) · ${tokens(u.input_tokens)} in / ${tokens(u.output_tokens)} out · ${secs(item.durationMs)}`)}`;
    }
    case 'diff':
      return [bold(st, item.title), ...indent(colorDiff(item.diff.replace(/\n$/, ''), st).split('\n'))].join('\n');
    case 'notice':
      return item.tone === 'error'
        ? red(st, item.text)
        : item.tone === 'warn'
          ? yellow(st, item.text)
          : gray(st, item.text);
    default:
      return '';
  }
}
