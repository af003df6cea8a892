/**
 * The interactive app. Finished transcript items go to <Static> (written once, then part of the terminal's
 * scrollback); the live frame below them (running tools, the text being written, the prompt, the status
 * line) is cut to fit the terminal. State comes from the store (transcript reducer) and the input reducer;
 * everything that has an effect goes out through the callbacks.
 */
import { Box, Static, Text, useInput, useStdout } from 'ink';
import { memo, useEffect, useReducer, useRef, useState, useSyncExternalStore } from 'react';
import { formatItem } from './format.js';
import { initialInput, inputReducer, keyToAction, type InputAction, type InputState } from './input-state.js';
import { INPUT_MAX_ROWS, inputRows, liveBudget, liveRows, statusText } from './layout.js';
import { bold, dim, yellow, type Style } from './markdown.js';
import { menuRows, slashMenu, submitText } from './slash-menu.js';
import type { TranscriptStore } from './store.js';
import type { Item } from './transcript.js';

export type ApprovalAnswer = 'yes' | 'no' | 'always' | 'explain' | 'cancel';

export interface AppProps {
  store: TranscriptStore;
  color: boolean;
  history?: string[];
  /** Enter on the prompt; return false to keep the text (e.g. a turn is still running) */
  onSubmit: (text: string) => boolean;
  onAnswer: (answer: ApprovalAnswer) => void;
  /** Ctrl-C (the controller decides: interrupt the turn, or exit) */
  onCtrlC: () => void;
  /** for tests: a fixed clock and spinner */
  now?: () => number;
  animate?: boolean;
}

function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, read]);
  return size;
}

function ItemView({ item, st, width }: { item: Item; st: Style; width: number }) {
  const spaced =
    item.kind === 'user' ||
    (item.kind === 'assistant' && !item.cont) ||
    item.kind === 'run_end' ||
    item.kind === 'verify';
  return (
    <Box marginTop={spaced ? 1 : 0} flexDirection="column">
      <Text>{formatItem(item, st, width)}</Text>
    </Box>
  );
}

/**
 * Memoized: Ink renders immediately (unthrottled) whenever the <Static> node re-renders, so it must only
 * re-render when there are new finished items, not on every streamed token.
 */
const StaticItems = memo(function StaticItems({
  items,
  color,
  width,
}: {
  items: Item[];
  color: boolean;
  width: number;
}) {
  const st: Style = { color };
  return <Static items={items}>{(item) => <ItemView key={item.id} item={item} st={st} width={width} />}</Static>;
});

function Rows({ rows }: { rows: string[] }) {
  return (
    <>
      {rows.map((r, i) => (
        <Text key={i} wrap="truncate-end">
          {r}
        </Text>
      ))}
    </>
  );
}

export function App(props: AppProps) {
  const { store, color } = props;
  const state = useSyncExternalStore(store.subscribe, store.getState);
  // The input state lives in a ref (and a counter re-renders): keys that arrive before React has
  // re-subscribed the handler still see the latest text.
  const inputRef = useRef<InputState | null>(null);
  inputRef.current ??= initialInput(props.history ?? []);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const dispatchInput = (a: InputAction) => {
    const cur = inputRef.current ?? initialInput();
    const next = inputReducer(cur, a);
    if (next !== cur) {
      inputRef.current = next;
      rerender();
    }
  };
  const input = inputRef.current;
  const { columns, rows } = useTerminalSize();
  const [tick, setTick] = useState(0);
  const st: Style = { color };
  const now = props.now ?? Date.now;
  const running = state.status.running;
  const animate = props.animate ?? true;

  useEffect(() => {
    if (!running || !animate) return;
    const t = setInterval(() => setTick((n) => n + 1), 400);
    return () => clearInterval(t);
  }, [running, animate]);

  useInput((ch, key) => {
    const input = inputRef.current ?? initialInput();
    const current = store.getState();
    if (key.ctrl && ch === 'c') {
      if (!current.status.running && input.text) dispatchInput({ type: 'clear' });
      else props.onCtrlC();
      return;
    }
    if (current.approval) {
      const answer: ApprovalAnswer | null = key.escape
        ? 'cancel'
        : ch === 'y'
          ? 'yes'
          : ch === 'n'
            ? 'no'
            : ch === 'a'
              ? 'always'
              : ch === 'e'
                ? 'explain'
                : null;
      if (answer) props.onAnswer(answer);
      return;
    }
    if (key.ctrl && ch === 'd' && !input.text) {
      props.onSubmit('/exit');
      return;
    }
    if (key.ctrl && ch === 'o') {
      store.dispatch({ type: 'ui_expand_last' });
      return;
    }
    // Typed text and Enter that arrive in one chunk (fast typing, tmux send-keys): insert, then send.
    // A multi-line paste without bracketed paste stays an insertion.
    if (!input.pasting && ch.length > 1 && /^[^\r\n]+(\r|\n|\r\n)$/.test(ch)) {
      dispatchInput({ type: 'insert', text: ch.replace(/[\r\n]+$/, '') });
      return submit();
    }
    const action = keyToAction(ch, key, input);
    if (action === 'submit') return submit();
    if (action) dispatchInput(action);
  });
  const [inputReady, setInputReady] = useState(false);
  useEffect(() => setInputReady(true), []);

  function submit(): void {
    // with the slash menu open on a partial name, Enter runs the selected command
    const text = submitText(inputRef.current ?? initialInput());
    if (!text.trim()) return;
    if (props.onSubmit(text)) dispatchInput({ type: 'submitted', text });
  }

  const approvalRows: string[] = [];
  if (state.approval) {
    const a = state.approval;
    approvalRows.push(`${yellow(st, '?')} ${bold(st, `allow ${a.call.name}`)}: ${a.title}`);
    approvalRows.push(dim(st, '  [y] yes  [n] no  [a] always this session  [e] explain first  (Esc cancels)'));
  }
  const promptRows = state.approval
    ? []
    : inputRows(input, columns, st, Math.max(1, Math.min(INPUT_MAX_ROWS, rows - 5)));
  const menu = state.approval ? null : slashMenu(input);
  const slashRows = menu ? menuRows(menu, columns, st).slice(0, Math.max(0, rows - promptRows.length - 6)) : [];
  // Until Ink has put stdin in raw mode (its useInput effect, which runs before ours) typed or pasted text
  // would be echoed by the terminal: say 'starting', not 'ready'.
  const status = statusText(
    inputReady ? state.status : { ...state.status, running: true, activity: 'starting' },
    st,
    tick,
    now(),
    columns,
  );
  const fixed = 2 + approvalRows.length + promptRows.length + slashRows.length;
  const live = liveRows(state, columns, liveBudget(rows, fixed), st, tick, now());

  if (state.closed) return <StaticItems key={state.epoch} items={state.done} color={color} width={columns} />;

  return (
    <>
      <StaticItems key={state.epoch} items={state.done} color={color} width={columns} />
      <Box flexDirection="column">
        <Rows rows={live} />
        <Text> </Text>
        <Rows rows={approvalRows} />
        <Rows rows={promptRows} />
        <Rows rows={slashRows} />
        <Text wrap="truncate-end">{status}</Text>
      </Box>
    </>
  );
}
