import type { AgentEvent } from '../agent/events.js';
import { diffStat } from '../tools/diff-stat.js';
import { paint, type StyleName } from './style.js';

export interface TextRendererOptions {
  color: boolean;
  /** show streamed assistant text on the progress stream too */
  verbose?: boolean;
  /** what confines the tool calls (the composition's sandbox, described) */
  sandbox?: string;
}

/**
 * Human progress for headless runs: one or two lines per tool call on stderr. The final answer is
 * not written here; the caller prints it on stdout.
 */
export function createTextRenderer(write: (s: string) => void, opts: TextRendererOptions): (e: AgentEvent) => void {
  const c = (style: StyleName, s: string) => paint(opts.color, style, s);
  const dim = (s: string) => c('dim', s);
  const secs = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);
  const titles = new Map<string, string>();
  return (e) => {
    switch (e.type) {
      case 'run_start':
        write(`${c('bold', 'sedge')} ${dim(`session ${e.session_id} · model ${e.model} · ${e.cwd}`)}\n`);
        if (e.approval === 'auto')
          write(dim(`tool calls run without asking; sandbox: ${opts.sandbox ?? 'not reported'}\n`));
        break;
      case 'recall':
        write(dim(`recalled ${e.items.length} prior run(s) from this repo (${e.tokens} tokens)\n`));
        break;
      case 'compaction':
        write(
          dim(
            `context compacted: ${e.elided} old tool result(s) elided, ~${e.before_tokens} → ~${e.after_tokens} tokens\n`,
          ),
        );
        break;
      case 'think_usage':
        write(dim(`  ${e.model} answered: ${e.input_tokens} in / ${e.output_tokens} out tokens\n`));
        break;
      case 'assistant_message':
        if (opts.verbose && e.text.trim() && e.tool_calls.length) write(`${dim(e.text.trim())}\n`);
        break;
      case 'thought':
        if (e.source === 'think') write(dim(`  ∴ ${firstLine(e.text)}\n`));
        break;
      case 'tool_start':
        titles.set(e.call_id, e.title);
        write(
          `${c('cyan', '▸')} ${e.name === 'think' ? c('bold', 'think') : label(e.name, e.title, (x) => c('bold', x))}\n`,
        );
        break;
      case 'tool_end': {
        if (e.name === 'think') break;
        const d = e.data ?? {};
        const parts: string[] = [];
        if (d.exit_code !== undefined) parts.push(`exit ${d.exit_code}`);
        if (d.files_changed?.length)
          parts.push(`edited ${d.files_changed.join(', ')}${d.diff ? ` ${stat(d.diff)}` : ''}`);
        if (e.is_error) parts.push(c('red', errorLine(e.output)));
        parts.push(secs(e.duration_ms));
        write(`  ${dim(parts.join(' · '))}\n`);
        break;
      }
      case 'approval':
        write(dim(`  ${e.decision}${e.reason ? `: ${e.reason}` : ''}\n`));
        break;
      case 'verify_start':
        write(`${c('cyan', '▸')} ${c('bold', 'tests')} ${dim(`round ${e.round}`)}\n`);
        break;
      case 'verify_result':
        write(`  ${e.ok ? c('green', '✓') : c('red', '✗')} ${e.command ?? ''} ${dim(e.summary)}\n`);
        if (!e.ok) {
          const names = [...e.new_failures, ...e.preexisting.map((n) => `${n} (failing before this run)`)];
          for (const n of names.slice(0, MAX_NAMES)) write(`    ${c('red', 'failing:')} ${n}\n`);
          if (names.length > MAX_NAMES) write(dim(`    … and ${names.length - MAX_NAMES} more\n`));
          if (e.skipped_reason) write(dim(`    ${e.skipped_reason}\n`));
        }
        if (!e.ok && e.output_file) write(dim(`    full log: ${e.output_file}\n`));
        break;
      case 'error':
        write(`${c(e.fatal ? 'red' : 'yellow', e.fatal ? 'error' : 'warning')}: ${e.message}\n`);
        break;
      case 'run_end': {
        const u = e.usage;
        const verdict = e.status === 'done' ? c('green', 'done') : c('red', e.status);
        write(
          `${verdict} ${dim(`· ${e.reason} · ${e.steps} step(s) · ${u.input_tokens} in / ${u.output_tokens} out tokens${e.think_usage ? ` (think model: ${e.think_usage.input_tokens} in / ${e.think_usage.output_tokens} out)` : ''} · ${secs(e.duration_ms)}`)}\n`,
        );
        break;
      }
      default:
        break;
    }
  };
}

/** "grep …" titles already name the tool; others get the name in front. */
function label(name: string, title: string, bold: (s: string) => string): string {
  return title.startsWith(`${name} `) ? `${bold(name)}${title.slice(name.length)}` : `${bold(name)} ${title}`;
}

const MAX_NAMES = 10;

/** An error's one line: the tool's own note on why it stopped ("[interrupted: …]") beats the first output line. */
function errorLine(output: string): string {
  const note = /^\[((?:interrupted|timed out|stopped)[^\]]*)\]$/m.exec(output)?.[1];
  return note ? firstLine(note) : firstLine(output);
}

function firstLine(s: string): string {
  const line = s.trim().split('\n')[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}

function stat(diff: string): string {
  const { added, removed } = diffStat(diff);
  return `(+${added} -${removed})`;
}
