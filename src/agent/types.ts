import type { ToolKind, VerifyOutcome, RecallItem } from './events.js';
import { DEFAULTS } from '../config/schema.js';
import type { Message, ModelClient, ToolCall } from '../model/types.js';
import type { Toolset } from '../tools/tool.js';

export interface Limits {
  /** model turns at most */
  maxSteps: number;
  /** wall-clock budget for the whole run, ms (0 = none) */
  timeoutMs: number;
  /** gate rounds: how many times failing tests go back to the model */
  verifyRounds: number;
  /** context window of the model, in tokens (for compaction) */
  contextTokens: number;
  /** consecutive failed tool calls that end the run (0 = no cap) */
  maxToolErrors: number;
}

/** The limits when a caller gives none: the one DEFAULTS table (config/schema.ts), in the loop's units. */
export const DEFAULT_LIMITS: Limits = {
  maxSteps: DEFAULTS.maxSteps,
  timeoutMs: DEFAULTS.timeoutS * 1000,
  verifyRounds: DEFAULTS.verifyRounds,
  contextTokens: DEFAULTS.contextTokens,
  maxToolErrors: DEFAULTS.maxToolErrors,
};

export interface ApprovalRequest {
  call: ToolCall;
  kind: ToolKind | 'unknown';
  args: unknown;
  title: string;
  /** why the policy asks (set when a person is asked) */
  reason?: string;
}

export type Decision = { decision: 'auto' | 'approved' } | { decision: 'denied'; reason?: string };

/**
 * The test gate (issue 3). `baseline` may be started early (before the first edit) and is awaited
 * by `check`. `check` runs the tests and says whether anything NEW fails; `feedback` is what the
 * model is told when it does.
 */
export interface Verifier {
  /** the command the gate runs, when known up front (for verify_start) */
  readonly command?: string | null;
  /** called once at run start (with the task); may kick off a background baseline run */
  start?(signal: AbortSignal, task?: string): void;
  /** called before the first edit-kind or execute-kind tool runs */
  beforeFirstChange?(signal: AbortSignal): Promise<void>;
  /** `stop`: another round cannot help (nothing changed, or only failures that predate the run remain) */
  check(signal: AbortSignal): Promise<{ outcome: VerifyOutcome; feedback: string; stop?: boolean }>;
}

/** Prior work recalled for a task (issue 4): a block for the first user message, and what it used. */
export interface RecallResult {
  block: string;
  items: RecallItem[];
  files: string[];
  tokens: number;
}

export interface AgentDeps {
  model: ModelClient;
  tools: Toolset;
  /** the byte-stable system prompt */
  system: string;
  /** repo instructions (AGENTS.md) and other context put before the task in the first user message */
  instructions?: string;
  /** run-specific context given with the task, after the cached prefix (e.g. the working directory) */
  where?: string;
  approve?: (req: ApprovalRequest) => Promise<Decision>;
  /** describes the approval mode on run_start ("auto", "ask", ...) */
  approvalMode?: string;
  verify?: Verifier;
  recall?: (task: string, signal: AbortSignal) => Promise<RecallResult | null>;
  limits?: Partial<Limits>;
  cwd: string;
  sessionId: string;
  /** where truncated tool outputs are saved in full */
  saveOutput?: (callId: string, text: string) => Promise<string>;
  /** the provider's prompt-cache key for this repository (same across runs) */
  cacheKey?: string;
  /** compaction marks and cap (the window itself is limits.contextTokens) */
  compaction?: Partial<Omit<import('./context.js').CompactionOptions, 'contextTokens'>>;
  /** earlier conversation (resume, or the next task of an interactive session) */
  history?: Message[];
  /**
   * What must hold before anything the model asks for runs (the sandbox's start-up probe): called and awaited
   * after the model's first answer, before any tool or test runs, so the first request need not wait for it.
   * A rejection ends the run `failed` with a fatal error of source 'sandbox'.
   */
  ready?: () => Promise<unknown>;
  now?: () => number;
}

export interface RunResult {
  status: import('./events.js').RunStatus;
  reason: string;
  finalText: string;
  steps: number;
  /** the whole conversation, for the next task of an interactive session */
  messages: Message[];
}
