import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShellSession, type ShellSession } from '../../src/exec/pty.js';
import { processAlive } from '../../src/exec/process-tree.js';
import { needTool } from '../support/need-tool.js';

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
};
// generous: these commands must finish on their own; the timeout only guards against a hang
const T = { timeoutMs: 20_000 };

let root: string;
let shell: ShellSession;

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'sedge-pty-test-')));
  shell = createShellSession({ cwd: root, env: GIT_ENV, killGraceMs: 200 });
});

afterAll(async () => {
  await shell.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('framing', () => {
  it('returns exact output and exit codes', async () => {
    expect(await shell.run("printf 'a\\nb'", T)).toMatchObject({ output: 'a\nb', exitCode: 0, timedOut: false });
    expect(await shell.run('echo out; echo err >&2; (exit 7)', T)).toMatchObject({ output: 'out\nerr', exitCode: 7 });
    expect(await shell.run('false', T)).toMatchObject({ output: '', exitCode: 1 });
    expect(await shell.run('printf "keep\\n\\n\\n"', T)).toMatchObject({ output: 'keep\n\n' });
  });

  it('is not fooled by output that looks like a sentinel', async () => {
    const r = await shell.run("echo '__SEDGE_0123456789abcdef_E_0__'; echo after", T);
    expect(r).toMatchObject({ output: '__SEDGE_0123456789abcdef_E_0__\nafter', exitCode: 0 });
  });

  it('keeps cwd, variables, functions and aliases between runs', async () => {
    await shell.run(
      'mkdir -p sub && cd sub && export FOO=bar && BAZ=qux && greet() { echo "hi $1"; } && alias ll="echo aliased"',
      T,
    );
    const r = await shell.run('pwd; echo $FOO $BAZ; greet you; ll', T);
    expect(r.output).toBe(`${root}/sub\nbar qux\nhi you\naliased`);
    await shell.run(`cd ${root}`, T);
  });

  it('runs multi-line commands and heredocs', async () => {
    const cmd = [
      'x=1',
      'if [ $x = 1 ]; then',
      '  echo one',
      'fi',
      "cat <<'EOF'",
      'literal $x `no`',
      'EOF',
      'for i in 1 2; do echo $i; done',
    ].join('\n');
    expect(await shell.run(cmd, T)).toMatchObject({ output: 'one\nliteral $x `no`\n1\n2', exitCode: 0 });
  });

  it('runs a single line longer than 8 KB', async () => {
    const long = 'x'.repeat(10_000);
    expect(await shell.run(`echo ${long} | wc -c`, T)).toMatchObject({
      output: expect.stringMatching(/^\s*10001$/),
      exitCode: 0,
    });
  });

  it('reports a syntax error instead of waiting for more input', async () => {
    const r = await shell.run('echo "unclosed', T);
    expect(r.exitCode).not.toBe(0);
    expect(r.timedOut).toBe(false);
  });

  it('sets a non-interactive environment', async () => {
    const r = await shell.run('echo $PAGER $GIT_PAGER $GIT_TERMINAL_PROMPT $GIT_EDITOR $EDITOR $CI $NO_COLOR $TERM', T);
    expect(r.output).toBe('cat cat 0 true true 1 1 dumb');
  });

  it('streams normalised output through onData', async () => {
    const chunks: string[] = [];
    const r = await shell.run('for i in 1 2 3; do echo line$i; done', { ...T, onData: (t) => chunks.push(t) });
    expect(r.output).toBe('line1\nline2\nline3');
    expect(chunks.join('')).toContain('line3');
    expect(chunks.join('')).not.toContain('__SEDGE_');
  });
});

describe('output normalisation', () => {
  it('strips ANSI escapes and collapses carriage-return progress', async () => {
    const r = await shell.run("printf '\\033[1;31mred\\033[0m\\n10%%\\r50%%\\r100%%\\ndone\\n'", T);
    expect(r.output).toBe('red\n100%\ndone');
  });

  it('replaces binary output by a note with its size', async () => {
    const r = await shell.run("printf 'ab\\000\\001\\002\\003cd\\000'", T);
    expect(r.output).toMatch(/^\[binary output omitted: \d+ bytes/);
    expect(r.exitCode).toBe(0);
  });
});

describe('stdin and the terminal', () => {
  it('gives commands EOF on stdin', async () => {
    expect(await shell.run('read x; echo "rc=$?"; cat; echo cat=$?', T)).toMatchObject({
      output: 'rc=1\ncat=0',
      timedOut: false,
    });
  });

  it('stops a builtin reading /dev/tty as waiting for input', async () => {
    const r = await shell.run('echo asking; read x </dev/tty', T);
    expect(r).toMatchObject({ waitingForInput: true, timedOut: false, output: 'asking' });
    expect((await shell.run('echo still here', T)).output).toBe('still here');
  });

  it('stops a child process reading /dev/tty as waiting for input', async () => {
    const r = await shell.run("sh -c 'read x </dev/tty; echo never'", T);
    expect(r).toMatchObject({ waitingForInput: true, timedOut: false });
    expect(r.output).not.toContain('never');
    expect((await shell.run('echo ok', T)).output).toBe('ok');
  });
});

describe.skipIf(process.platform !== 'linux' || !needTool('perl'))('terminal waits through select and poll', () => {
  it('stops a process selecting on /dev/tty', async () => {
    const r = await shell.run(
      `perl -e 'open T, "<", "/dev/tty"; vec($r = "", fileno(T), 1) = 1; select($r, undef, undef, undef)'`,
      T,
    );
    expect(r).toMatchObject({ waitingForInput: true, timedOut: false });
  });

  it('stops a process polling /dev/tty', async () => {
    const r = await shell.run(
      `perl -MIO::Poll -e 'open T, "<", "/dev/tty"; $p = IO::Poll->new; $p->mask(\\*T => POLLIN); $p->poll'`,
      T,
    );
    expect(r).toMatchObject({ waitingForInput: true, timedOut: false });
  });

  it('leaves alone a process selecting on a pipe while its output goes to the terminal', async () => {
    const r = await shell.run(
      `sleep 1 | perl -e 'vec($r = "", 0, 1) = 1; select($r, undef, undef, undef); print "read\\n"'`,
      T,
    );
    expect(r).toMatchObject({ output: 'read', exitCode: 0, timedOut: false });
    expect(r.waitingForInput).toBeUndefined();
  });
});

describe('git does not block', () => {
  it('runs git log and git commit without -m', async () => {
    const repo = join(root, 'repo');
    execFileSync('git', ['init', '-q', repo]);
    for (let i = 0; i < 3; i++) {
      writeFileSync(join(repo, 'f.txt'), `v${i}\n`);
      execFileSync('git', ['add', '.'], { cwd: repo });
      execFileSync('git', ['commit', '-qm', `commit ${i}`], { cwd: repo, env: { ...process.env, ...GIT_ENV } });
    }
    const log = await shell.run(`cd ${repo} && git log`, T);
    expect(log).toMatchObject({ exitCode: 0, timedOut: false });
    expect(log.waitingForInput).toBeUndefined();
    expect(log.output).toContain('commit 0');

    writeFileSync(join(repo, 'f.txt'), 'changed\n');
    const commit = await shell.run('git commit -a', T);
    expect(commit).toMatchObject({ timedOut: false, exitCode: 1 });
    expect(commit.waitingForInput).toBeUndefined();
    expect(commit.output).toMatch(/empty commit message/);
    await shell.run(`cd ${root}`, T);
  });
});

describe('timeouts, aborts and restarts', () => {
  it('kills a command past its timeout, children included, and stays usable', async () => {
    const pidFile = join(root, 'child.pid');
    const r = await shell.run(`echo started; bash -c 'sleep 30 & echo $! > "$1"; sleep 30' _ ${pidFile}`, {
      timeoutMs: 1000,
    });
    expect(r).toMatchObject({ timedOut: true, output: 'started' });
    expect(r.shellRestarted).toBeUndefined();
    const childPid = Number(readFileSync(pidFile, 'utf8'));
    expect(processAlive(childPid)).toBe(false);
    expect(await shell.run('echo alive', T)).toMatchObject({ output: 'alive', exitCode: 0 });
  });

  it('stops a command when the signal aborts', async () => {
    const ac = new AbortController();
    const r = await shell.run('echo started; sleep 30; echo never', {
      ...T,
      signal: ac.signal,
      onData: (t) => {
        if (t.includes('started')) ac.abort();
      },
    });
    expect(r).toMatchObject({ interrupted: true, timedOut: false });
    // a job killed at an unlucky moment adds bash's "Killed" notice
    expect(r.output).toMatch(/^started(\n.*Killed.*)?$/);
    expect((await shell.run('echo again', T)).output).toBe('again');
  });

  it('restarts the shell after exit and says so', async () => {
    await shell.run('cd sub; export GONE=1', T);
    const r = await shell.run('echo bye; exit 3', T);
    expect(r).toMatchObject({ output: 'bye', exitCode: 3, shellRestarted: true });
    const after = await shell.run('pwd; echo "[$GONE]"', T);
    expect(after).toMatchObject({ output: `${root}\n[]`, exitCode: 0 });
    expect(after.shellRestarted).toBeUndefined();
  });

  it('restarts a shell stuck in a builtin loop that ignores SIGINT', async () => {
    const r = await shell.run("trap '' INT; while :; do :; done", { timeoutMs: 1000 });
    expect(r).toMatchObject({ timedOut: true, shellRestarted: true });
    expect(await shell.run('echo back', T)).toMatchObject({ output: 'back', exitCode: 0 });
  });
});

describe('lifecycle', () => {
  it('keeps scripts in a private temp dir removed on dispose', async () => {
    const s = createShellSession({ cwd: root });
    const r = await s.run('echo "${BASH_SOURCE[0]}"', T);
    const dir = dirname(r.output);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    await s.dispose();
    expect(existsSync(dir)).toBe(false);
    await expect(s.run('echo x', T)).rejects.toThrow(/disposed/);
  });

  it('takes background jobs down with it on dispose', async () => {
    const s = createShellSession({ cwd: root });
    const r = await s.run('sleep 300 & echo $!', T);
    const pid = Number(r.output);
    expect(processAlive(pid)).toBe(true);
    await s.dispose();
    await expect.poll(() => processAlive(pid), { timeout: 5000 }).toBe(false);
  });
});

describe('framing cannot be undone by the command', () => {
  it('refuses to replace PROMPT_COMMAND and the sentinel functions', async () => {
    const r = await shell.run('PROMPT_COMMAND=true; __sedge_end() { :; }; echo next', T);
    expect(r.output).toMatch(/readonly/);
    expect(await shell.run('echo fine', T)).toMatchObject({ output: 'fine', exitCode: 0 });
  });

  it('does not run a command whose signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const file = join(root, 'not-created');
    expect(await shell.run(`touch ${file}`, { ...T, signal: ac.signal })).toMatchObject({ interrupted: true });
    expect(existsSync(file)).toBe(false);
  });
});

describe('launcher', () => {
  it('sees through a launcher that runs bash as its child', async () => {
    const s = createShellSession({
      cwd: root,
      killGraceMs: 200,
      launcher: ['bash', '-c', '"$@"; exit $?', 'launcher'],
    });
    try {
      const first = await s.run('echo $$ $PPID', T);
      const [bashPid, launcherPid] = first.output.split(' ').map(Number) as [number, number];
      expect(bashPid).not.toBe(launcherPid);
      expect(await s.run('read x </dev/tty', T)).toMatchObject({ waitingForInput: true, timedOut: false });
      // a builtin loop: SIGINT reaches bash itself, which must survive it (not be taken for the command's group)
      const loop = await s.run('while :; do :; done', { timeoutMs: 1000 });
      expect(loop).toMatchObject({ timedOut: true });
      expect(loop.shellRestarted).toBeUndefined();
      expect(await s.run('echo $$', T)).toMatchObject({ output: String(bashPid) });
      await s.dispose();
      await expect.poll(() => processAlive(launcherPid) || processAlive(bashPid)).toBe(false);
    } finally {
      await s.dispose();
    }
  });
});
