/** The parsed form of a sed script (see sed-script.ts), run by sed-engine.ts. */
import type { ReplacementPart } from './sed-regex.js';

export type { ReplacementPart };

/** A single address: line N, `$`, /regex/, or GNU first~step. */
/** `other` on a regex: its other valid reading (ERE vs GNU BRE), kept only to explain a no-match. */
export type Address =
  | { type: 'line'; n: number }
  | { type: 'last' }
  | { type: 'regex'; re: RegExp; other?: RegExp }
  | { type: 'step'; first: number; step: number };

/** The end of a range: an address, `+N` (N more lines) or `~N` (up to the next multiple of N). */
export type RangeEnd = Address | { type: 'plus'; n: number } | { type: 'multiple'; n: number };

export interface Selector {
  a1?: Address;
  a2?: RangeEnd;
  negate: boolean;
}

export interface Base {
  /** index into SedProgram.all */
  id: number;
  /** id of the enclosing `{ }` block, or null */
  parent: number | null;
  /** the command as written (for messages), e.g. "s/foo/bar/g" */
  text: string;
  sel: Selector;
}

export type SedCommand =
  | (Base & { name: 'p' | '=' | 'd' | 'q' | 'Q' })
  | (Base & {
      name: 's';
      re: RegExp;
      /** the other reading of the regex (ERE vs GNU BRE) when it is valid and differs; only to explain a no-match */
      other?: RegExp;
      replacement: ReplacementPart[];
      global: boolean;
      nth: number;
      print: boolean;
    })
  | (Base & { name: 'y'; map: Map<string, string> })
  | (Base & { name: 'a' | 'i' | 'c'; lines: string })
  | (Base & { name: '{'; body: SedCommand[] });

export interface SedProgram {
  /** top-level commands, in order */
  commands: SedCommand[];
  /** every command including those inside blocks, indexed by id */
  all: SedCommand[];
}
