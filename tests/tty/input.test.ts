import stringWidth from 'string-width';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../support/cli.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { hasTmux, startPane, type Pane } from './tmux.js';

/**
 * The prompt in a real terminal (tmux): the slash-command menu and Tab completion, /clear, and text that
 * wraps by display width (CJK and emoji take two columns) in a 60-column pane.
 */
describe.skipIf(!hasTmux)('sedge prompt in tmux', () => {
  let server: ScriptedServer;
  let home: TempHome;
  let repo: { dir: string; cleanup: () => void };
  let pane: Pane | undefined;

  beforeAll(async () => {
    server = await startScriptedServer();
    home = makeTempHome();
    repo = makeTempRepo({ 'greeting.txt': 'hello world\n' });
  });
  afterEach(() => {
    pane?.kill();
    pane = undefined;
  });
  afterAll(async () => {
    await server.close();
    home.cleanup();
    repo.cleanup();
  });

  const env = () => ({
    ...home.env,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    OPENAI_BASE_URL: server.baseURL,
    OPENAI_API_KEY: 'sk-test-not-a-key',
    SEDGE_MODEL: 'scripted-model',
  });

  /** the last non-empty rows of the screen (the live frame sits at the bottom) */
  const bottom = (t: string, n: number) => t.trimEnd().split('\n').slice(-n).join('\n');

  it('typing / shows the commands with a description each; Tab completes /di to /diff; /clear starts afresh', async () => {
    server.push({ text: 'First answer.' });
    pane = startPane([process.execPath, BIN, '--no-verify'], { cols: 100, rows: 30, cwd: repo.dir, env: env() });
    const p = pane;
    await p.waitFor('ready · /help', { what: 'the prompt' });

    p.type('/');
    const menu = await p.waitFor(/\/diff\s+\S.*\n(.*\n)*.*\/undo\s+\S/, { what: 'the command menu' });
    for (const cmd of ['/help', '/model', '/clear', '/diff', '/undo', '/traces', '/resume', '/exit'])
      expect(menu).toMatch(new RegExp(`${cmd.replace('/', '\\/')}\\b.*\\w{3,}`));
    expect(menu).toContain('what this session changed');

    p.type('di');
    await p.waitFor((t) => /› \/di\s*$/m.test(t) && !t.includes('/undo'), { what: 'the menu narrowed to /diff' });
    p.keys('Tab');
    await p.waitFor((t) => /› \/diff\s*$/m.test(bottom(t, 6)), { what: '/di completed to /diff' });
    p.keys('Enter');
    await p.waitFor('no changes yet', { what: '/diff ran' });

    // a turn, then /clear: a visible fresh start, and the exit message names the new session
    p.type('say something');
    p.keys('Enter');
    await p.waitFor('First answer.', { all: true, what: 'the answer' });
    await p.waitFor('ready · /help', { what: 'idle' });
    p.type('/clear');
    p.keys('Enter');
    const cleared = await p.waitFor(/── new session (\S+) ──/, { what: 'the /clear notice' });
    const fresh = /── new session (\S+) ──/.exec(cleared)?.[1] ?? '';
    expect(fresh).toMatch(/\w{6,}/);
    p.type('/exit');
    p.keys('Enter');
    const end = await p.waitFor(/EXITED \d+/, { all: true, what: 'exit' });
    expect(end).toContain('EXITED 0');
    const exitLine = end.split('\n').find((l) => l.startsWith('session ')) ?? '';
    expect(exitLine).toContain(fresh);
  }, 90_000);

  it('a slash command refused while a turn runs clears the prompt', async () => {
    server.push({ tool_calls: [{ name: 'shell', arguments: { command: 'echo slow-started; sleep 30' } }] });
    pane = startPane([process.execPath, BIN, '--no-verify'], { cols: 100, rows: 30, cwd: repo.dir, env: env() });
    const p = pane;
    await p.waitFor('ready · /help', { what: 'the prompt' });
    p.type('run the slow thing');
    p.keys('Enter');
    await p.waitFor('slow-started', { what: 'the running command' });
    p.type('/diff');
    await p.waitFor(/› \/diff/, { what: 'the typed command' });
    p.keys('Enter');
    const refused = await p.waitFor('a turn is running', { what: 'the refusal' });
    await p.waitFor((t) => !/› \/diff/.test(t), { what: 'the prompt to clear' });
    expect(refused).toContain('a turn is running');
    p.keys('C-c');
    await p.waitFor(/interrupted ·/, { all: true, what: 'the interrupted run' });
    p.keys('C-c');
    await p.waitFor(/EXITED \d+/, { what: 'exit' });
  }, 90_000);

  it('at 60 columns, CJK and emoji text wraps by display width: nothing overflows, nothing is cut', async () => {
    const answer =
      '这是一个很长的回答，用来测试终端里的中文换行是否按照显示宽度正确处理。🎉表情符号也占两列🚀，' +
      '所以每一行都不能超过窗口的宽度，也不能丢掉任何文字。日本語のテキストも同じです。終わり🏁';
    server.push({ text: answer });
    pane = startPane([process.execPath, BIN, '--no-verify'], { cols: 60, rows: 24, cwd: repo.dir, env: env() });
    const p = pane;
    await p.waitFor('ready', { what: 'the prompt' });
    const prompt = '请把这个很长的中文问题完整地显示在输入框里面🙂不要截断也不要溢出到窗口外面去谢谢';
    p.type(prompt);
    const typed = await p.waitFor((t) => t.replace(/\s/g, '').includes('谢谢'), { what: 'the typed prompt' });
    const fits = (t: string) => t.split('\n').every((l) => stringWidth(l) <= 60);
    expect(typed.split('\n').filter((l) => stringWidth(l) > 60)).toEqual([]);
    expect(typed.replace(/[\s›]/g, '')).toContain(prompt);
    p.keys('Enter');
    const shown = await p.waitFor((t) => t.replace(/\s/g, '').includes('終わり🏁'), {
      all: true,
      what: 'the whole answer',
    });
    await p.waitFor('ready', { what: 'idle' });
    const all = p.capture(true);
    expect(all.split('\n').filter((l) => stringWidth(l) > 60)).toEqual([]);
    expect(fits(shown)).toBe(true);
    expect(all.replace(/\s/g, '')).toContain(answer);
    p.type('/exit');
    p.keys('Enter');
    await p.waitFor(/EXITED 0/, { what: 'exit' });
  }, 90_000);
});
