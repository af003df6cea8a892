import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needTool } from '../support/need-tool.js';

// Outside CI a missing tmux skips the terminal tests with the reason; under CI=true (.ci/run installs it) it fails.
export const hasTmux = needTool('tmux');

export interface Pane {
  /** the visible screen, or with `all` the whole scrollback too */
  capture(all?: boolean): string;
  /** tmux key names (Enter, C-c, Escape, Up) or literal text with `literal` */
  keys(...keys: string[]): void;
  type(text: string): void;
  /** wait until the screen (or scrollback) matches; bounded, returns the capture */
  waitFor(
    match: string | RegExp | ((text: string) => boolean),
    opts?: { all?: boolean; timeoutMs?: number; what?: string },
  ): Promise<string>;
  tmux(...args: string[]): string;
  kill(): void;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A tmux server of its own (private socket, no user config, long history) running `argv` in a
 * cols x rows pane with exactly `env`. After the program exits the pane stays, showing
 * "EXITED <code>" and the terminal's line discipline (icanon / -icanon) for assertions.
 */
export function startPane(
  argv: string[],
  opts: { cols: number; rows: number; cwd: string; env: Record<string, string>; gate?: string },
): Pane {
  const dir = mkdtempSync(join(tmpdir(), 'sedge-tmux-'));
  const conf = join(dir, 'tmux.conf');
  writeFileSync(conf, 'set -g history-limit 100000\nset -g status off\nset -g escape-time 0\n');
  const socket = join(dir, 'sock');
  const tmux = (...args: string[]) => execFileSync('tmux', ['-S', socket, '-f', conf, ...args], { encoding: 'utf8' });
  const envs = Object.entries(opts.env)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join(' ');
  const cmd = argv.map(quote).join(' ');
  const wait = opts.gate ? `while [ ! -e ${quote(opts.gate)} ]; do sleep 0.02; done; ` : '';
  const script = `${wait}env -i ${envs} ${cmd}; echo "EXITED $?"; stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon; exec sleep 600`;
  tmux(
    'new-session',
    '-d',
    '-x',
    String(opts.cols),
    '-y',
    String(opts.rows),
    '-s',
    't',
    '-c',
    opts.cwd,
    `sh -c ${quote(script)}`,
  );
  const capture = (all = false) => tmux('capture-pane', '-p', '-J', '-t', 't', ...(all ? ['-S', '-', '-E', '-'] : []));
  return {
    capture,
    keys: (...keys) => void tmux('send-keys', '-t', 't', ...keys),
    type: (text) => void tmux('send-keys', '-t', 't', '-l', text),
    tmux,
    async waitFor(match, o = {}) {
      const test =
        typeof match === 'function'
          ? match
          : typeof match === 'string'
            ? (t: string) => t.includes(match)
            : (t: string) => match.test(t);
      const deadline = Date.now() + (o.timeoutMs ?? 20_000);
      let text = '';
      while (Date.now() < deadline) {
        text = capture(o.all);
        if (test(text)) return text;
        await new Promise((r) => setTimeout(r, 40));
      }
      throw new Error(`timed out waiting for ${o.what ?? String(match)}; pane:\n${text}`);
    },
    kill() {
      try {
        tmux('kill-server');
      } catch {
        /* already gone */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
