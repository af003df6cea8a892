import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { programOutput, runProgram } from '../../src/exec/run-program.js';
import { systemProgram } from '../../src/exec/system-programs.js';

const dir = mkdtempSync(join(tmpdir(), 'sedge-run-program-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sh = () => systemProgram('sh');

describe('runProgram (helper shells)', () => {
  it('returns stdout, stderr and the exit status exactly, in the given cwd', async () => {
    const r = await runProgram(sh(), ['-c', 'pwd; printf "no newline"; echo oops >&2; exit 3'], { cwd: dir });
    expect(r).toMatchObject({ code: 3, stdout: `${dir}\nno newline`, stderr: 'oops\n', timedOut: false });
    const ok = await runProgram(sh(), ['-c', 'printf "a\\n\\n"'], { cwd: dir });
    expect(ok).toMatchObject({ code: 0, stdout: 'a\n\n', stderr: '' });
  });

  it('passes arguments with quotes, spaces and newlines unchanged', async () => {
    const args = ["it's", 'two words', 'line\nbreak', '$HOME', '`id`', ''];
    const r = await runProgram(sh(), ['-c', 'for a in "$@"; do printf "[%s]" "$a"; done', 'sh', ...args], {
      cwd: dir,
    });
    expect(r.stdout).toBe(args.map((a) => `[${a}]`).join(''));
  });

  it('gives the program the environment asked for: changed, added and removed variables', async () => {
    const env = { ...process.env, SEDGE_RP_NEW: "v'1", PATH: process.env.PATH } as Record<string, string | undefined>;
    env.HOME = undefined;
    const r = await runProgram(sh(), ['-c', 'echo "$SEDGE_RP_NEW|${HOME-unset}"'], { cwd: dir, env });
    expect(r.stdout).toBe("v'1|unset\n");
    // the next request starts from the helper's own environment again
    const again = await runProgram(sh(), ['-c', 'echo "${SEDGE_RP_NEW-unset}"'], { cwd: dir });
    expect(again.stdout).toBe('unset\n');
  });

  it('feeds input on stdin (with and without a here-document) and /dev/null otherwise', async () => {
    const lines = await runProgram(systemProgram('cat'), [], { cwd: dir, input: "a\n'b'\nSEDGE_IN_x\n" });
    expect(lines.stdout).toBe("a\n'b'\nSEDGE_IN_x\n");
    const nul = await runProgram(systemProgram('cat'), [], { cwd: dir, input: 'a\0b' });
    expect(nul.stdout).toBe('a\0b');
    const none = await runProgram(systemProgram('cat'), [], { cwd: dir });
    expect(none).toMatchObject({ code: 0, stdout: '' });
  });

  it('hands output over as it arrives when asked, every byte once and no end marker', async () => {
    writeFileSync(join(dir, 'streamed.txt'), `${'y'.repeat(2_000_000)}\nlast line`);
    const got = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    const r = await runProgram(sh(), ['-c', 'cat streamed.txt; echo warn >&2; exit 2'], {
      cwd: dir,
      onOutput: (stream, b) => got[stream].push(b),
    });
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: '' });
    const out = Buffer.concat(got.stdout).toString();
    expect(out.length).toBe(2_000_000 + 10);
    expect(out.endsWith('\nlast line')).toBe(true);
    expect(Buffer.concat(got.stderr).toString()).toBe('warn\n');
    expect(got.stdout.length).toBeGreaterThan(1);
  });

  it('carries large output whole', async () => {
    writeFileSync(join(dir, 'big.txt'), 'x'.repeat(3_000_000));
    const r = await runProgram(systemProgram('cat'), ['big.txt'], { cwd: dir });
    expect(r.stdout.length).toBe(3_000_000);
  });

  it('runs requests at the same time on separate helpers', async () => {
    const rs = await Promise.all(
      Array.from({ length: 6 }, (_, i) => runProgram(sh(), ['-c', `sleep 0.2; echo ${i}`], { cwd: dir })),
    );
    expect(rs.map((r) => r.stdout)).toEqual(['0\n', '1\n', '2\n', '3\n', '4\n', '5\n']);
  });

  it('a timeout or an abort kills the program; later requests still work', async () => {
    const r = await runProgram(sh(), ['-c', 'echo started; sleep 30'], { cwd: dir, timeoutMs: 300 });
    expect(r).toMatchObject({ code: null, timedOut: true });
    const ctl = new AbortController();
    const p = runProgram(sh(), ['-c', 'sleep 30'], { cwd: dir, signal: ctl.signal });
    setTimeout(() => ctl.abort(), 100);
    expect(await p).toMatchObject({ code: null, timedOut: false });
    expect((await runProgram(sh(), ['-c', 'echo fine'], { cwd: dir })).stdout).toBe('fine\n');
  });

  it('a missing cwd or program is an error result; programOutput rejects on failure', async () => {
    const gone = await runProgram(sh(), ['-c', 'true'], { cwd: join(dir, 'nope') });
    expect(gone.code).toBeNull();
    expect(gone.error).toContain('no such directory');
    const missing = await runProgram(join(dir, 'no-such-program'), [], { cwd: dir });
    expect(missing.code).toBe(127);
    await expect(programOutput(sh(), ['-c', 'echo bad >&2; exit 1'], { cwd: dir })).rejects.toThrow('bad');
    expect(await programOutput(sh(), ['-c', 'echo good'], { cwd: dir })).toBe('good\n');
  });
});
