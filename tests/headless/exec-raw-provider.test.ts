import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJsonl, runCli, sessionsDir } from '../support/cli.js';
import { makeTempHome, makeTempRepo, type TempHome } from '../support/repo.js';
import { chunk, startRawServer, usageChunk, type RawEvent, type RawServer } from '../support/raw-sse-server.js';

const KEY = 'sk-canary-raw-provider-93ab';
let server: RawServer;
let repo: { dir: string; cleanup: () => void };
let home: TempHome;

beforeEach(() => {
  home = makeTempHome();
  repo = makeTempRepo({ 'src/greet.js': 'export function greet(name) {\n  return "héllo, " + nme;\n}\n' });
});
afterEach(async () => {
  await server.close();
  repo.cleanup();
  home.cleanup();
});

const pieces = (s: string, n: number) =>
  Array.from({ length: Math.ceil(s.length / n) }, (_, i) => s.slice(i * n, i * n + n));
/** id, type and name only in the first fragment; arguments in small pieces (mid-escape, mid-surrogate). */
function call(index: number, id: string, name: string, args: unknown, size: number, repeatHead = false): RawEvent[] {
  return [
    chunk({ tool_calls: [{ index, id, type: 'function', function: { name, arguments: '' } }] }),
    ...pieces(JSON.stringify(args), size).map((f) =>
      chunk({
        tool_calls: [
          { index, ...(repeatHead ? { id, function: { name, arguments: f } } : { function: { arguments: f } }) },
        ],
      }),
    ),
  ];
}
function interleave(a: RawEvent[], b: RawEvent[]): RawEvent[] {
  const out: RawEvent[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    out.push(...[a[i], b[i]].filter((e): e is RawEvent => e !== undefined));
  return out;
}

describe('sedge exec --json --yes against a provider that is not our scripted server', () => {
  it('completes shell, grep, sed view/edit and think with real-provider streaming quirks; valid JSONL, exit 0, well-formed follow-up requests', async () => {
    server = await startRawServer([
      {
        events: [
          chunk({ role: 'assistant', content: null }),
          chunk({ reasoning_content: 'Look first… ✓' }),
          chunk({ content: null }),
          ...interleave(
            call(0, 'call_A', 'shell', { command: 'printf \'caf\\u00e9 "q" 😀\\n\'; git status --short' }, 3),
            call(1, 'call_B', 'grep', { pattern: 'héllo|nme', path: 'src' }, 2, true),
          ),
          chunk({}, 'tool_calls'),
          usageChunk(100, 20, 64),
          'DONE',
        ],
      },
      {
        crlf: true,
        events: [
          'PING',
          chunk({ content: 'Viewing ' }),
          'PING',
          chunk({ content: 'the file — ok' }),
          ...call(0, 'call_C', 'sed', { path: 'src/greet.js', script: '1,3p' }, 4),
          ...call(1, 'call_D', 'think', { thought: 'nme → name 😀 "quoted"\\' }, 5),
          chunk({}, 'tool_calls'),
          'PING',
          usageChunk(200, 30),
          'DONE',
        ],
      },
      {
        events: [
          ...call(0, 'call_E', 'sed', { path: 'src/greet.js', script: 's/ nme;/ name;/' }, 6),
          chunk({}, 'tool_calls'),
          usageChunk(300, 10),
          'DONE',
        ],
      },
      { slice: 3, events: [chunk({ content: 'Fixed ✓ café 😀.' }), chunk({}, 'stop'), usageChunk(400, 5), 'DONE'] },
    ]);
    const res = await runCli(['exec', '--json', '--yes', '--no-verify', 'fix greet'], {
      cwd: repo.dir,
      env: { ...home.env, OPENAI_BASE_URL: server.baseURL, OPENAI_API_KEY: KEY, SEDGE_MODEL: 'raw' },
    });
    expect(res.code).toBe(0);
    const events = parseJsonl(res.stdout);
    expect(events.at(-1)).toMatchObject({ type: 'run_end', status: 'done', final_text: 'Fixed ✓ café 😀.' });
    const ends = events.filter((e) => e.type === 'tool_end') as { name: string; is_error: boolean; output: string }[];
    expect(ends.map((e) => [e.name, e.is_error])).toEqual([
      ['shell', false],
      ['grep', false],
      ['sed', false],
      ['think', false],
      ['sed', false],
    ]);
    expect(ends[0]?.output).toContain('café "q" 😀');
    expect(readFileSync(join(repo.dir, 'src/greet.js'), 'utf8')).toContain('+ name;');
    expect(events.find((e) => e.type === 'thought' && e.source === 'think')).toMatchObject({
      text: 'nme → name 😀 "quoted"\\',
    });

    // Every tool call is answered, in order, right after the assistant message that made it.
    const last = server.bodies.at(-1)?.messages ?? [];
    const shape = last.map((m) =>
      m.role === 'tool'
        ? `tool:${m.tool_call_id}`
        : m.tool_calls
          ? `assistant:${m.tool_calls.map((c) => c.id).join(',')}`
          : m.role,
    );
    expect(shape).toEqual([
      'system',
      'user',
      'assistant:call_A,call_B',
      'tool:call_A',
      'tool:call_B',
      'assistant:call_C,call_D',
      'tool:call_C',
      'tool:call_D',
      'assistant:call_E',
      'tool:call_E',
    ]);

    const [file] = readdirSync(sessionsDir(home.env));
    const session = readFileSync(join(sessionsDir(home.env), file ?? ''), 'utf8');
    for (const text of [res.stdout, res.stderr, session]) expect(text).not.toContain(KEY);
  });
});
