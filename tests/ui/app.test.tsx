import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App, type ApprovalAnswer } from '../../src/ui/app.js';
import { createStore } from '../../src/ui/store.js';
import { initialState } from '../../src/ui/transcript.js';
import { runEnd, runStart, stamper } from './events.js';

const instances: { unmount(): void }[] = [];
afterEach(() => {
  for (const i of instances.splice(0)) i.unmount();
});

/** Wait until the condition holds, re-checking after each render (bounded). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function setup(opts: { onSubmit?: (t: string) => boolean; history?: string[] } = {}) {
  const store = createStore(initialState({ model: 'test-model' }));
  const submitted: string[] = [];
  const answers: ApprovalAnswer[] = [];
  let ctrlC = 0;
  const app = render(
    <App
      store={store}
      color={false}
      animate={false}
      now={() => 5_000}
      history={opts.history ?? []}
      onSubmit={(t) => {
        submitted.push(t);
        return opts.onSubmit ? opts.onSubmit(t) : true;
      }}
      onAnswer={(a) => answers.push(a)}
      onCtrlC={() => ctrlC++}
    />,
  );
  instances.push(app);
  const all = () => app.frames.join('\n');
  return { store, app, submitted, answers, ctrlC: () => ctrlC, all };
}

describe('App', () => {
  it('renders finished items once in static output and the running tool as a live tail', async () => {
    const { store, app, all } = setup();
    const ev = stamper();
    store.dispatch({ type: 'ui_user', text: 'fix the bug' });
    store.dispatch(ev(runStart()));
    store.dispatch(ev({ type: 'assistant_delta', text: 'I will **run** the tests.\n\n' }));
    store.dispatch(
      ev({ type: 'tool_start', call_id: 'c1', name: 'shell', kind: 'execute', args: {}, title: 'npm test' }),
    );
    store.dispatch(
      ev({ type: 'tool_output', call_id: 'c1', text: Array.from({ length: 40 }, (_, i) => `out ${i}`).join('\n') }),
    );
    await until(() => (app.lastFrame() ?? '').includes('out 39'), 'live tail');
    const live = app.lastFrame() ?? '';
    expect(live).toContain('shell npm test');
    expect(live).not.toContain('out 30'); // only the tail is live
    store.dispatch(
      ev({
        type: 'tool_end',
        call_id: 'c1',
        name: 'shell',
        is_error: false,
        output: 'ok\nall good',
        data: { exit_code: 0 },
        duration_ms: 1200,
      }),
    );
    store.dispatch(
      ev({ type: 'tool_start', call_id: 'c2', name: 'sed', kind: 'edit', args: {}, title: 'sed src/a.ts' }),
    );
    store.dispatch(
      ev({
        type: 'tool_end',
        call_id: 'c2',
        name: 'sed',
        is_error: false,
        output: 'edited',
        data: { diff: '--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1 @@\n-bad\n+good\n', files_changed: ['src/a.ts'] },
        duration_ms: 4,
      }),
    );
    store.dispatch(ev(runEnd()));
    await until(() => all().includes('done'), 'run end');
    const out = all();
    expect(out).toContain('› fix the bug');
    expect(out).toContain('I will run the tests.');
    expect(out).toContain('✓ shell npm test · exit 0 · 1.2s');
    expect(out).toContain('+good');
    expect(out).toContain('-bad');
  });

  it('sends on Enter, makes new lines with a trailing backslash, and walks history', async () => {
    const { app, submitted } = setup({ history: ['earlier task'] });
    await until(() => (app.lastFrame() ?? '').includes('ready'), 'first frame');
    app.stdin.write('line one\\');
    await until(() => (app.lastFrame() ?? '').includes('line one'), 'typed');
    app.stdin.write('\r');
    app.stdin.write('line two');
    await until(() => (app.lastFrame() ?? '').includes('line two'), 'second line');
    app.stdin.write('\r');
    await until(() => submitted.length === 1, 'submit');
    expect(submitted[0]).toBe('line one\nline two');
    app.stdin.write('\x1b[A');
    await until(() => (app.lastFrame() ?? '').includes('line two'), 'history up');
    // a multi-line entry: Up goes to its first line, then to the older entry
    app.stdin.write('\x1b[A');
    app.stdin.write('\x1b[A');
    await until(() => (app.lastFrame() ?? '').includes('earlier task'), 'older history');
  });

  it('asks for approval: y / n / a / e / Esc answer it and the prompt box is hidden meanwhile', async () => {
    const { store, app, answers } = setup();
    store.dispatch({
      type: 'ui_approval',
      request: { call: { id: 'c', name: 'shell', arguments: '{}' }, kind: 'execute', args: {}, title: 'rm -rf build' },
    });
    await until(() => (app.lastFrame() ?? '').includes('allow shell: rm -rf build'), 'approval prompt');
    for (const k of ['y', 'n', 'a', 'e', '\x1b']) app.stdin.write(k);
    await until(() => answers.length === 5, 'answers');
    expect(answers).toEqual(['yes', 'no', 'always', 'explain', 'cancel']);
  });

  it('Ctrl-C clears typed text first, then goes to the controller', async () => {
    const { app, ctrlC } = setup();
    app.stdin.write('draft');
    await until(() => (app.lastFrame() ?? '').includes('draft'), 'typed');
    app.stdin.write('\x03');
    await until(() => !(app.lastFrame() ?? '').includes('draft'), 'cleared');
    expect(ctrlC()).toBe(0);
    app.stdin.write('\x03');
    await until(() => ctrlC() === 1, 'ctrl-c');
  });

  it('typing / shows the command menu; Tab completes /di to /diff; Enter on a partial name runs the selection', async () => {
    const { app, submitted } = setup();
    app.stdin.write('/');
    await until(() => (app.lastFrame() ?? '').includes('/resume [ID]'), 'the menu');
    expect(app.lastFrame()).toContain('what this session changed in the working tree');
    app.stdin.write('di');
    await until(() => !(app.lastFrame() ?? '').includes('/resume'), 'the menu narrowed');
    app.stdin.write('\t');
    await until(() => /› \/diff/.test(app.lastFrame() ?? ''), 'completed');
    app.stdin.write('\r');
    await until(() => submitted.length === 1, 'sent');
    expect(submitted).toEqual(['/diff']);
    await until(() => !(app.lastFrame() ?? '').includes('/diff'), 'the prompt and menu cleared');
    app.stdin.write('/ex');
    await until(() => (app.lastFrame() ?? '').includes('/exit'), 'typed');
    app.stdin.write('\r');
    await until(() => submitted.length === 2, 'sent again');
    expect(submitted[1]).toBe('/exit');
  });

  it('keeps text that was not accepted (a turn is running)', async () => {
    const { app, submitted } = setup({ onSubmit: () => false });
    app.stdin.write('wait');
    await until(() => (app.lastFrame() ?? '').includes('wait'), 'typed');
    app.stdin.write('\r');
    await until(() => submitted.length === 1, 'submit attempt');
    expect(app.lastFrame()).toContain('wait');
  });

  it('Ctrl-O expands the last folded card as a new item', async () => {
    const { store, app, all } = setup();
    const ev = stamper();
    store.dispatch(ev(runStart()));
    store.dispatch(ev({ type: 'tool_start', call_id: 'c', name: 'shell', kind: 'execute', args: {}, title: 'seq 20' }));
    store.dispatch(
      ev({
        type: 'tool_end',
        call_id: 'c',
        name: 'shell',
        is_error: false,
        output: Array.from({ length: 20 }, (_, i) => `n${i + 1}`).join('\n'),
        data: { exit_code: 0 },
        duration_ms: 3,
      }),
    );
    store.dispatch(ev(runEnd()));
    await until(() => all().includes('14 more lines'), 'the folded card');
    expect(all()).not.toContain('n20');
    app.stdin.write('\x0f');
    await until(() => all().includes('n20'), 'the expanded card');
  });

  it('keeps the live frame shorter than the terminal however much is streaming or running', async () => {
    const { store, app } = setup();
    const ev = stamper();
    store.dispatch(ev(runStart()));
    for (let i = 0; i < 6; i++) {
      store.dispatch(
        ev({ type: 'tool_start', call_id: `c${i}`, name: 'shell', kind: 'execute', args: {}, title: `job ${i}` }),
      );
      store.dispatch(ev({ type: 'tool_output', call_id: `c${i}`, text: 'line\n'.repeat(100) }));
    }
    // a long line being written (no line break yet, so nothing is committed)
    store.dispatch(ev({ type: 'assistant_delta', text: `${'word '.repeat(2000)}` }));
    await until(() => (app.lastFrame() ?? '').includes('job 5'), 'the running tools');
    expect(store.getState().done).toEqual([]); // everything drawn is the live frame
    // ink-testing-library's stdout has no rows: the app assumes 24
    expect((app.lastFrame() ?? '').split('\n').length).toBeLessThan(24);
  });
});
