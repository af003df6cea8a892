/**
 * Finding one command's output in the terminal stream: everything between `__SEDGE_<nonce>_S__` and
 * `__SEDGE_<nonce>_E_<status>__` (printed by the shell, see shell-env.ts). Text is passed on as soon as it
 * cannot be the start of the end sentinel, so output streams while the command runs.
 */
export type FramePhase = 'start' | 'body' | 'end';

export interface FrameParser {
  push(data: string): void;
  /** the text held back at the end of a body that will not be completed (the command was killed) */
  flush(): void;
  readonly phase: FramePhase;
  /** the status the end sentinel carried, once seen */
  readonly exitCode: number | null;
}

export function createFrameParser(nonce: string, emit: (text: string) => void, onEnd: () => void): FrameParser {
  const startToken = `__SEDGE_${nonce}_S__`;
  const endToken = `__SEDGE_${nonce}_E_`;
  const endRe = new RegExp(`(?:\\r*\\n)?__SEDGE_${nonce}_E_(\\d+)__`);
  const holdBack = startToken.length + 24;
  let phase: FramePhase = 'start';
  let pending = '';
  let exitCode: number | null = null;
  let bodyStarted = false;

  function push(data: string): void {
    if (phase === 'end') return;
    pending += data;
    if (phase === 'start') {
      const i = pending.indexOf(startToken);
      if (i < 0) {
        pending = pending.slice(-holdBack);
        return;
      }
      pending = pending.slice(i + startToken.length);
      phase = 'body';
      bodyStarted = false;
    }
    if (!bodyStarted) {
      // the start sentinel's own line break may arrive in a later chunk
      if (/^\r*$/.test(pending)) return;
      pending = pending.replace(/^\r*\n/, '');
      bodyStarted = true;
    }
    const m = endRe.exec(pending);
    if (m) {
      if (m.index > 0) emit(pending.slice(0, m.index));
      exitCode = Number(m[1]);
      pending = '';
      phase = 'end';
      onEnd();
      return;
    }
    // pass on all but what may be the start of the end sentinel: its line break and a prefix of its token
    const nl = pending.lastIndexOf('\n');
    const rest = pending.slice(nl + 1);
    const partial =
      nl >= 0 && rest.length < endToken.length + 24 && (endToken.startsWith(rest) || rest.startsWith(endToken));
    let keepFrom = partial ? nl : pending.length;
    while (keepFrom > 0 && pending[keepFrom - 1] === '\r') keepFrom--;
    if (keepFrom > 0) emit(pending.slice(0, keepFrom));
    pending = pending.slice(keepFrom);
  }

  return {
    push,
    flush() {
      if (phase === 'body' && pending) emit(pending);
      pending = '';
    },
    get phase() {
      return phase;
    },
    get exitCode() {
      return exitCode;
    },
  };
}
