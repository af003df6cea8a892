import type { Address, ReplacementPart, SedCommand, SedProgram } from './sed-types.js';

/** One piece of output. `line` is the input line it came from (null for a/i/c text). */
export interface SedOutput {
  text: string;
  line: number | null;
  kind: 'auto' | 'print' | 'number' | 'text';
}

export interface SedResult {
  out: SedOutput[];
  /** per command id: how many times it matched (s: lines where it substituted; others: lines selected) */
  counts: number[];
  /** the input line where q/Q stopped the run, or null */
  quitAt: number | null;
}

export interface SedRunOptions {
  /** -n: no automatic printing of the pattern space */
  quiet: boolean;
}

type Flow = 'next' | 'delete' | 'quit' | 'Quit';

interface RangeState {
  active: boolean;
  end: number;
  /** for 0,/re/ (which can start only once) */
  done: boolean;
}

/** Run a parsed sed program over lines (no terminators). Pure: no I/O, no globals. */
export function runSed(program: SedProgram, lines: readonly string[], opts: SedRunOptions): SedResult {
  const out: SedOutput[] = [];
  const counts = program.all.map(() => 0);
  const ranges = new Map<number, RangeState>();
  let quitAt: number | null = null;

  for (let idx = 0; idx < lines.length; idx++) {
    const n = idx + 1;
    const isLast = n === lines.length;
    let ps = lines[idx] as string;
    const appended: string[] = [];

    const matches = (a: Address): boolean => {
      switch (a.type) {
        case 'line':
          return a.n === n;
        case 'last':
          return isLast;
        case 'step':
          return a.step <= 0 ? n === a.first : n >= a.first && (n - a.first) % a.step === 0;
        case 'regex':
          a.re.lastIndex = 0;
          return a.re.test(ps);
      }
    };

    /** GNU range semantics: the end is checked from the line after the start (numbers: end <= start = one line). */
    const inRange = (cmd: SedCommand): boolean => {
      const { a1, a2 } = cmd.sel;
      if (!a1) return true;
      if (!a2) return matches(a1);
      let st = ranges.get(cmd.id);
      if (!st) ranges.set(cmd.id, (st = { active: false, end: 0, done: false }));
      if (st.active) {
        if (a2.type === 'line' || a2.type === 'plus' || a2.type === 'multiple') st.active = n < st.end;
        else if (a2.type === 'regex' || a2.type === 'last' || a2.type === 'step') st.active = !matches(a2);
        return true;
      }
      const zeroStart = a1.type === 'line' && a1.n === 0;
      if (zeroStart ? st.done : !matches(a1)) return false;
      st.done = true;
      if (zeroStart) st.active = a2.type === 'regex' ? !matches(a2) : false;
      else if (a2.type === 'line') (st.active = a2.n > n), (st.end = a2.n);
      else if (a2.type === 'plus') (st.active = a2.n > 0), (st.end = n + a2.n);
      else if (a2.type === 'multiple') (st.active = a2.n > 0 && n % a2.n !== 0), (st.end = Math.ceil(n / a2.n) * a2.n);
      else if (a2.type === 'last') st.active = !isLast;
      else st.active = true;
      return true;
    };

    const selected = (cmd: SedCommand): boolean => inRange(cmd) !== cmd.sel.negate;

    const exec = (list: readonly SedCommand[]): Flow => {
      for (const cmd of list) {
        if (!selected(cmd)) continue;
        switch (cmd.name) {
          case '{': {
            counts[cmd.id]!++;
            const flow = exec(cmd.body);
            if (flow !== 'next') return flow;
            break;
          }
          case 'p':
            counts[cmd.id]!++;
            out.push({ text: ps, line: n, kind: 'print' });
            break;
          case '=':
            counts[cmd.id]!++;
            out.push({ text: String(n), line: n, kind: 'number' });
            break;
          case 'd':
            counts[cmd.id]!++;
            return 'delete';
          case 'q':
          case 'Q':
            counts[cmd.id]!++;
            return cmd.name === 'q' ? 'quit' : 'Quit';
          case 's': {
            const next = substitute(ps, cmd);
            if (next !== null) {
              counts[cmd.id]!++;
              ps = next;
              if (cmd.print) out.push({ text: ps, line: n, kind: 'print' });
            }
            break;
          }
          case 'y':
            counts[cmd.id]!++;
            ps = [...ps].map((c) => cmd.map.get(c) ?? c).join('');
            break;
          case 'a':
            counts[cmd.id]!++;
            appended.push(cmd.lines);
            break;
          case 'i':
            counts[cmd.id]!++;
            out.push({ text: cmd.lines, line: null, kind: 'text' });
            break;
          case 'c': {
            counts[cmd.id]!++;
            // in a range, the text replaces the whole range: print it once, at the range's end (or the file's)
            const st = ranges.get(cmd.id);
            if (!cmd.sel.a2 || cmd.sel.negate || !st?.active || isLast) {
              out.push({ text: cmd.lines, line: null, kind: 'text' });
            }
            return 'delete';
          }
        }
      }
      return 'next';
    };

    const flow = exec(program.commands);
    if ((flow === 'next' || flow === 'quit') && !opts.quiet) out.push({ text: ps, line: n, kind: 'auto' });
    for (const text of appended) out.push({ text, line: null, kind: 'text' });
    if (flow === 'quit' || flow === 'Quit') {
      quitAt = n;
      break;
    }
  }
  return { out, counts, quitAt };
}

/** s///: replace the nth match (and, with g, every later one). Returns null when nothing was replaced. */
export function substitute(
  ps: string,
  cmd: { re: RegExp; replacement: ReplacementPart[]; global: boolean; nth: number },
): string | null {
  const { re } = cmd;
  re.lastIndex = 0;
  let result = '';
  let last = 0;
  let k = 0;
  let prevEnd = -1;
  let changed = false;
  for (;;) {
    const m = re.exec(ps);
    if (!m) break;
    const start = m.index;
    const end = start + m[0].length;
    // like GNU sed: an empty match right where the previous match ended does not count
    if (!(m[0] === '' && start === prevEnd)) {
      k++;
      if (k === cmd.nth || (cmd.global && k > cmd.nth)) {
        result += ps.slice(last, start) + expand(m, cmd.replacement);
        last = end;
        changed = true;
        if (!cmd.global) break;
      }
      prevEnd = end;
    }
    if (m[0] === '') {
      if (start >= ps.length) break;
      re.lastIndex = start + 1;
    }
  }
  return changed ? result + ps.slice(last) : null;
}

function expand(m: RegExpExecArray, parts: readonly ReplacementPart[]): string {
  let out = '';
  let mode: 'U' | 'L' | null = null;
  let once: 'u' | 'l' | null = null;
  const add = (s: string) => {
    if (!s) return;
    let t = mode === 'U' ? s.toUpperCase() : mode === 'L' ? s.toLowerCase() : s;
    if (once) {
      t = (once === 'u' ? t.charAt(0).toUpperCase() : t.charAt(0).toLowerCase()) + t.slice(1);
      once = null;
    }
    out += t;
  };
  for (const p of parts) {
    if (p.type === 'text') add(p.text);
    else if (p.type === 'group') add(m[p.n] ?? '');
    else if (p.mode === 'u' || p.mode === 'l') once = p.mode;
    else if (p.mode === 'E') (mode = null), (once = null);
    else mode = p.mode;
  }
  return out;
}
