import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../support/cli.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';
import { hasTmux, startPane, type Pane } from './tmux.js';

/**
 * No flicker, no lost scrollback: a 100x30 terminal, a scripted session streaming 300 lines of answer,
 * 300 lines of command output and a 60-line final answer. The raw bytes the program writes (tmux
 * pipe-pane) must hold no full-screen clear (ESC[2J) and no scrollback erase (ESC[3J), stay within
 * twice the bytes of the content shown, and the whole transcript must be in the scrollback afterwards.
 */
describe.skipIf(!hasTmux)('terminal output stays incremental', () => {
  let home: TempHome;
  let repo: { dir: string; cleanup: () => void };
  let tmp: string;
  let pane: Pane | undefined;

  beforeAll(() => {
    home = makeTempHome();
    repo = makeTempRepo({ 'README.md': '# r\n' });
    tmp = mkdtempSync(join(tmpdir(), 'sedge-bytes-'));
  });
  afterAll(() => {
    pane?.kill();
    home.cleanup();
    repo.cleanup();
    if (!process.env.KEEP_TTY_TMP) rmSync(tmp, { recursive: true, force: true });
    else process.stderr.write(`kept ${tmp}\n`);
  });

  it('writes no clear-screen or scrollback erase, within 2x the content bytes, and keeps the transcript', async () => {
    const answer: string[] = [];
    for (let i = 1; i <= 300; i++) {
      answer.push(`Streamed answer line ${i}: the quick brown fox jumps over the lazy dog.`);
      if (i % 10 === 0) answer.push('');
    }
    const final = Array.from({ length: 60 }, (_, i) => `- final point ${i + 1} of the summary`).join('\n');
    const script = [
      {
        text: answer.join('\n'),
        tool_calls: [
          { name: 'shell', arguments: { command: 'for i in $(seq 1 300); do echo "tool output line $i"; done' } },
        ],
      },
      { text: final },
    ];
    const replay = join(tmp, 'long.jsonl');
    writeFileSync(replay, `${script.map((s) => JSON.stringify(s)).join('\n')}\n`);
    const gate = join(tmp, 'go');
    const raw = join(tmp, 'raw.bin');
    if (process.env.KEEP_TTY_TMP) process.stderr.write(`raw bytes: ${raw}\n`);
    const env = {
      ...home.env,
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      TERM: 'xterm-256color',
      SEDGE_REPLAY_DELAY_MS: process.env.TTY_REPLAY_DELAY_MS ?? '1',
    };
    // knobs for measuring by hand: a slower stream, and Ink's own full redraws for comparison
    if (process.env.TTY_FULL_REDRAW) Object.assign(env, { SEDGE_FULL_REDRAW: '1' });
    pane = startPane([process.execPath, BIN, '--no-verify', '--model', `replay:${replay}`, 'write a long answer'], {
      cols: 100,
      rows: 30,
      cwd: repo.dir,
      env,
      gate,
    });
    const p = pane;
    p.tmux('pipe-pane', '-o', '-t', 't', `cat >> '${raw}'`);
    writeFileSync(gate, '');

    await p.waitFor(/^done ·/m, { all: true, timeoutMs: 120_000, what: 'the run to finish' });
    await p.waitFor('ready · /help', { what: 'idle' });
    p.keys('C-o'); // expand the folded command output
    await p.waitFor('tool output line 300', { all: true, what: 'the expanded output' });
    p.type('/exit');
    p.keys('Enter');
    await p.waitFor(/EXITED 0/, { what: 'exit' });

    const scrollback = p.capture(true);
    // the whole transcript is in the scrollback, in order
    let at = 0;
    const expectInOrder = (line: string) => {
      const i = scrollback.indexOf(line, at);
      expect(i, `missing or out of order: ${line}`).toBeGreaterThanOrEqual(0);
      at = i + line.length;
    };
    expectInOrder('› write a long answer');
    for (const line of answer.filter(Boolean)) expectInOrder(line);
    expectInOrder('✓ shell for i in');
    expectInOrder('tool output line 1');
    expectInOrder('more lines (Ctrl-O to expand)');
    for (let i = 1; i <= 60; i++) expectInOrder(`• final point ${i} of the summary`);
    expectInOrder('done ·');
    for (let i = 1; i <= 300; i++) expectInOrder(`tool output line ${i}\n`);

    expect(existsSync(raw)).toBe(true);
    const bytes = readFileSync(raw);
    const text = bytes.toString('latin1');
    expect(text.includes('\x1b[2J'), 'a full-screen clear was written').toBe(false);
    expect(text.includes('\x1b[3J'), 'the scrollback was erased').toBe(false);
    const content = Buffer.byteLength(
      scrollback
        .replace(/[ \t]+$/gm, '')
        .replace(/\n{3,}/g, '\n\n')
        .trim(),
      'utf8',
    );
    const ratio = bytes.length / content;
    process.stderr.write(
      `tty bytes: ${bytes.length} written for ${content} bytes of content (ratio ${ratio.toFixed(2)})\n`,
    );
    expect(content).toBeGreaterThan(30_000);
    expect(ratio, `wrote ${bytes.length} bytes for ${content} bytes of content`).toBeLessThanOrEqual(2);
  });
});
