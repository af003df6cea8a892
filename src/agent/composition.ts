/**
 * What a front end is handed: a composed agent (model, tools, session file, settings) built by cli/compose.ts.
 * The types live here, below the front ends, so ui/, headless/ and batch/ never import cli/.
 */
import type { FlagValues } from '../config/schema.js';
import type { Settings } from '../config/schema.js';
import type { Message, ModelClient } from '../model/types.js';
import type { Toolset } from '../tools/tool.js';
import type { AgentEvent } from './events.js';
import type { ApprovalRequest, Decision, RunResult } from './types.js';

/** types a front end needs from below the agent, re-exported so ui/ imports agent/ only */
export type { FlagValues, Message };

export interface RunOptions {
  history?: Message[];
  /** how a person is asked when decide() says ask (none: nobody to ask, so ask means deny) */
  approve?: (req: ApprovalRequest) => Promise<Decision>;
  /** tool names a person allowed for the rest of the session */
  alwaysAllowed?: ReadonlySet<string>;
  /** extra sinks (a front end's own consumers are fed by iterating the returned generator) */
  onEvent?: (e: AgentEvent) => void;
}

/**
 * The one place that wires config, model, tools, session file and the front-end's approvals into the
 * loop is cli/compose.ts; every mode (exec, interactive, batch) builds its runs from one of these.
 */
export interface Composition {
  settings: Settings;
  /** the repository root (or cwd outside a repo): tools are confined to it */
  workspace: string;
  isRepo: boolean;
  sessionId: string;
  sessionPath: string;
  model: ModelClient;
  /** the model's context window (config, else the models table) */
  contextTokens: number;
  /** the model's prices from the models table, USD per million tokens, when known */
  pricing?: { input: number; cachedInput: number; output: number };
  tools: Toolset;
  /** how commands are confined (the shell and the test gate share it) */
  sandbox: SandboxInfo;
  /** the one redaction function for everything written or printed */
  redact: (text: string) => string;
  run(task: string, signal: AbortSignal, opts?: RunOptions): AsyncGenerator<AgentEvent, RunResult>;
  /** record what happened to the last run after it ended (its trace is updated; nothing leaves the machine) */
  signalLastRun?(signal: RunSignal): Promise<void>;
  /**
   * Look now at what the person did with the checkout's latest run (edited its files again, committed
   * them) and record it; every run does this itself before its first tool. The interactive session calls
   * it when it ends.
   */
  followUp?(): Promise<void>;
  close(): Promise<void>;
}

/** What a front end knows of the sandbox the composition opened (exec/sandbox.ts implements it). */
export interface SandboxInfo {
  kind: string;
  mode: string;
  describe(): string;
}

/**
 * Facts about a finished run learned later: the person undid it, or it was one attempt of best-of-N. (That
 * the person edited its files again or committed them is found by the composition itself: followUp.)
 */
export type RunSignal =
  | { kind: 'undone' }
  | {
      kind: 'attempt';
      run_id: string;
      index: number;
      of: number;
      chosen: boolean;
      winner: number | null;
      reason: string;
    };

/** Builds another composition with other flags or another session id (interactive /model, /clear, /resume). */
export type Recompose = (opts: { flags: FlagValues; sessionId?: string }) => Promise<Composition>;

/** The process streams and environment a front end runs against (real ones in production, fakes in tests). */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
  cwd: string;
  /** where SIGINT is observed (process in production, an emitter in tests) */
  signals?: NodeJS.EventEmitter;
}
