import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../support/cli.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { hasTmux, startPane, type Pane } from './tmux.js';

/**
 * The interactive TUI in a real terminal (tmux), against the scripted OpenAI-compatible server:
 * a task with tool cards and a diff, an approval, Ctrl-C on a long command, /undo, and a clean exit.
 */
describe.skipIf(!hasTmux)('sedge interactive in tmux', () => {
  let server: ScriptedServer;
  let home: TempHome;
  let repo: { dir: string; cleanup: () => void };
  let pane: Pane | undefined;

  beforeAll(async () => {
    server = await startScriptedServer();
    home = makeTempHome();
    repo = makeTempRepo({ 'greeting.txt': 'hello world\n' });
  });
  afterAll(async () => {
    pane?.kill();
    await server.close();
    home.cleanup();
    repo.cleanup();
  });

  it('runs a task with approvals, interrupts a long command, undoes, and exits with the terminal intact', async () => {
    server.push(
      { text: 'Let me look at the file.', tool_calls: [{ name: 'shell', arguments: { command: 'cat greeting.txt' } }] },
      { tool_calls: [{ name: 'sed', arguments: { path: 'greeting.txt', script: 's/world/there/' } }] },
      { text: 'Changed **world** to there.' },
      { tool_calls: [{ name: 'shell', arguments: { command: 'echo long-started; sleep 60; echo never' } }] },
    );
    const env = {
      ...home.env,
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      TERM: 'xterm-256color',
      OPENAI_BASE_URL: server.baseURL,
      OPENAI_API_KEY: 'sk-test-not-a-key',
      SEDGE_MODEL: 'scripted-model',
    };
    pane = startPane([process.execPath, BIN, '--ask', '--no-verify'], { cols: 100, rows: 30, cwd: repo.dir, env });
    const p = pane;
    await p.waitFor('ready · /help', { what: 'the prompt' });

    p.type('change world to there');
    p.keys('Enter');
    await p.waitFor('allow shell: cat greeting.txt', { what: 'the approval prompt' });
    p.type('y');
    await p.waitFor(/✓ shell cat greeting\.txt · approved · exit 0/, { what: 'the shell card' });
    const afterEdit = await p.waitFor('Changed world to there.', { all: true, what: 'the final answer' });
    expect(afterEdit).toContain('› change world to there');
    expect(afterEdit).toContain('Let me look at the file.');
    expect(afterEdit).toMatch(/✓ sed greeting\.txt.*edited greeting\.txt/);
    expect(afterEdit).toContain('-hello world');
    expect(afterEdit).toContain('+hello there');
    expect(readFileSync(join(repo.dir, 'greeting.txt'), 'utf8')).toBe('hello there\n');
    await p.waitFor('ready · /help', { what: 'idle after the first turn' });

    // a long command: always-allow, then Ctrl-C interrupts it and the session stays usable
    p.type('wait for something slow');
    p.keys('Enter');
    await p.waitFor('allow shell: echo long-started', { what: 'the second approval' });
    p.type('a');
    await p.waitFor('long-started', { what: 'the live output tail' });
    p.keys('C-c');
    const interrupted = await p.waitFor(/interrupted ·/, { all: true, what: 'the interrupted run' });
    expect(interrupted).not.toMatch(/^\s+never$/m); // the command was stopped before its last echo
    await p.waitFor('ready · /help', { what: 'idle after the interrupt' });

    // /undo: the last turn changed nothing; the one before edited greeting.txt
    p.type('/undo');
    p.keys('Enter');
    await p.waitFor('the last turn changed no files', { what: 'first /undo' });
    p.type('/undo');
    p.keys('Enter');
    await p.waitFor('restored greeting.txt', { what: 'second /undo' });
    expect(readFileSync(join(repo.dir, 'greeting.txt'), 'utf8')).toBe('hello world\n');

    p.type('/exit');
    p.keys('Enter');
    const end = await p.waitFor(/EXITED \d+\n(-?icanon)/, { what: 'exit' });
    expect(end).toContain('EXITED 0');
    expect(end).toMatch(/^icanon$/m); // the terminal is back in canonical (cooked) mode
    expect(p.tmux('display-message', '-p', '-t', 't', '#{cursor_flag}').trim()).toBe('1'); // cursor shown
    expect(end).toMatch(/session \S+ saved/);
    pane.kill();
    pane = undefined;
  });

  it('--continue reopens the session with its transcript and conversation; NO_COLOR and a 60-column resize', async () => {
    server.push({ text: 'Still here.' });
    const raw = join(home.dir, 'raw-continue.bin');
    const gate = join(home.dir, 'go');
    const env = {
      ...home.env,
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      TERM: 'xterm-256color',
      NO_COLOR: '1',
      CI: 'true', // a terminal where CI is set still gets the live frame
      OPENAI_BASE_URL: server.baseURL,
      OPENAI_API_KEY: 'sk-test-not-a-key',
      SEDGE_MODEL: 'scripted-model',
    };
    pane?.kill(); // when the first test failed before closing its pane
    pane = startPane([process.execPath, BIN, '--continue', '--no-verify'], {
      cols: 100,
      rows: 30,
      cwd: repo.dir,
      env,
      gate,
    });
    const p = pane;
    p.tmux('pipe-pane', '-o', '-t', 't', `cat >> '${raw}'`);
    writeFileSync(gate, '');
    const shown = await p.waitFor('resumed session', { all: true, what: 'the resumed transcript' });
    expect(shown).toContain('› change world to there');
    expect(shown).toContain('+hello there');
    // 'ready' shows once stdin is in raw mode; text sent before that would be echoed by the terminal
    await p.waitFor('ready · /help', { what: 'the prompt to be ready' });
    // a bracketed multi-line paste stays in the prompt (its line breaks do not send it); Ctrl-C clears it
    p.tmux('set-buffer', 'pasted line A\npasted line B');
    p.tmux('paste-buffer', '-p', '-t', 't');
    const pasted = await p.waitFor('pasted line B', { what: 'the pasted text' });
    expect(pasted).toMatch(/› pasted line A\n\s+pasted line B/);
    expect(server.requests.at(-1)?.messages.some((m) => String(m.content).includes('pasted'))).toBe(false);
    p.keys('C-c');
    await p.waitFor((t) => !t.includes('pasted line B'), { what: 'the prompt to clear' });
    p.tmux('resize-window', '-t', 't', '-x', '60');
    p.type('and now?');
    p.keys('Enter');
    await p.waitFor('Still here.', { all: true, what: 'the answer' });
    const last = server.requests.at(-1);
    const texts = (last?.messages ?? []).map((m) => String(m.content ?? ''));
    expect(texts.some((t) => t.includes('change world to there'))).toBe(true);
    expect(texts.at(-1)).toContain('and now?');
    // the live frame (prompt and status line) fits the narrower terminal; finished output above keeps its width
    const liveFits = (t: string) => {
      const live = t.trimEnd().split('\n').slice(-2);
      return Boolean(live[1]?.includes('ready · /help')) && live.every((l) => l.length <= 60);
    };
    await p.waitFor(liveFits, { what: 'an idle live frame within 60 columns' });
    p.type('/exit');
    p.keys('Enter');
    await p.waitFor(/EXITED 0/, { what: 'exit' });
    const bytes = readFileSync(raw, 'latin1');
    expect(bytes).not.toMatch(/\x1b\[(3[0-9]|9[0-7]|4[0-9])(;[0-9]+)*m/); // no color with NO_COLOR
    expect(bytes).not.toContain('\x1b[2J');
    expect(bytes).not.toContain('\x1b[3J');
  });

  it('puts the terminal back when killed (SIGTERM): cooked mode, cursor shown', async () => {
    pane?.kill();
    const env = {
      ...home.env,
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      TERM: 'xterm-256color',
      OPENAI_BASE_URL: server.baseURL,
      OPENAI_API_KEY: 'sk-test',
      SEDGE_MODEL: 'scripted-model',
    };
    pane = startPane([process.execPath, BIN], { cols: 80, rows: 24, cwd: repo.dir, env });
    const p = pane;
    await p.waitFor('ready · /help', { what: 'the prompt' });
    const shell = p.tmux('display-message', '-p', '-t', 't', '#{pane_pid}').trim();
    const node = execFileSync('pgrep', ['-P', shell], { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
    expect(node).toMatch(/^\d+$/);
    process.kill(Number(node), 'SIGTERM');
    const end = await p.waitFor(/EXITED \d+\n(-?icanon)/, { what: 'exit after SIGTERM' });
    expect(end).toContain('EXITED 130');
    expect(end).toMatch(/^icanon$/m);
    expect(p.tmux('display-message', '-p', '-t', 't', '#{cursor_flag}').trim()).toBe('1');
  });
});
