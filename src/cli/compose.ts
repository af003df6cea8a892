import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runAgent } from '../agent/loop.js';
import { appendToSession, newSessionId, openSessionLog, tee, type SessionLog } from '../agent/session-log.js';
import type { AgentEvent } from '../agent/events.js';
import { type ApprovalMode, decide } from '../agent/policy.js';
import type { AgentDeps, ApprovalRequest, Decision, Verifier } from '../agent/types.js';
import type { Composition, RunOptions, RunSignal } from '../agent/composition.js';
import type { TestGate } from '../agent/verify.js';
import { fillPrompt, readPrompt } from '../config/prompts.js';
import { loadSettings, type FlagValues } from '../config/load.js';
import { cacheDir, configDir, stateDir } from '../config/paths.js';
import type { Settings } from '../config/schema.js';
import { startSandbox } from '../exec/sandbox.js';
import { ENDPOINT_SECRET_ENV } from '../exec/shell-env.js';
import type { BackoffGate } from '../model/backoff-gate.js';
import { createModel, describeModel } from '../model/create.js';
import { createDeliberator } from '../model/deliberate.js';
import type { Message, ModelClient } from '../model/types.js';
import { agentsInstructionsFrom, applicableAgentsFiles } from '../repo/agents-md.js';
import { repoFacts } from '../repo/identity.js';
import { findRepoRoot, gitDirOf } from '../repo/root.js';
import { createRedactor, redactDeep, type Redactor } from '../secrets/redact.js';
import { resolvedTestCommand } from './resolved-test.js';
import { VERSION } from './version.js';
import { sweepTempFiles } from '../fs/atomic-write.js';
import { excludeProgramDirs } from '../exec/system-programs.js';
import { createGrepTool } from '../tools/grep.js';
import { createSedTool } from '../tools/sed.js';
import { createShellTool } from '../tools/shell.js';
import { createThinkTool } from '../tools/think.js';
import { createRecallTool } from '../traces/recall-tool.js';
import type { TraceRecord } from '../traces/record.js';
import { openRepoTraces } from '../traces/session.js';
import type { SharedBaselines } from '../agent/verify.js';
import { createToolset, type Tool, type Toolset } from '../tools/tool.js';

type Env = Record<string, string | undefined>;

export interface ComposeOptions {
  cwd: string;
  env?: Env;
  flags?: FlagValues;
  /** 'ask' (interactive --ask: the same as --approval auto-edit) or 'auto'; --approval overrides */
  approvalMode: string;
  /** an interactive session: the test gate reports failures that predate a run instead of looping on them */
  interactive?: boolean;
  /** reuse a session id (resume); a new one otherwise */
  sessionId?: string;
  /** an already-built model (tests, batch); otherwise built from settings */
  model?: ModelClient;
  /** an already-built think model (tests); otherwise built from think_model when set */
  thinkModel?: ModelClient;
  /** a 429 backoff shared with other compositions (the workers of a batch) */
  backoff?: BackoffGate;
  /** false: the session file is fsynced when it closes, not at every step (batch: its outputs are durable) */
  syncSessionSteps?: boolean;
  /** sampling temperature of the main model (one attempt of `exec --attempts`) */
  temperature?: number;
  /**
   * Follow up this checkout's runs: each run keeps where it left the repository, and before its first tool
   * (and on followUp()) the earlier runs are checked for what the person did since: edited their files
   * again, committed them. Interactive sessions and plain exec; not batch tasks or attempts, whose
   * checkouts are throwaway worktrees.
   */
  followUp?: boolean;
  onWarning?: (message: string) => void;
  /**
   * Test baselines shared with other compositions in this process (a batch's tasks, the attempts of a
   * best-of-N run): a tree another run already measured, under the same sandbox and test environment, is not
   * measured again. See SharedBaselines in agent/verify.ts.
   */
  baselines?: SharedBaselines['entries'];
}

export type { Composition, RunOptions } from '../agent/composition.js';

export async function compose(opts: ComposeOptions): Promise<Composition> {
  const env = opts.env ?? process.env;
  const root = findRepoRoot(opts.cwd);
  const workspace = root ?? opts.cwd;
  // bash and git are never taken from the repository (`.` on PATH, a PATH dir inside it)
  excludeProgramDirs([workspace, opts.cwd]);
  const settings = loadSettings({ repoRoot: root, env, flags: opts.flags ?? {} });
  for (const w of settings.warnings) opts.onWarning?.(w);

  // The sandbox throws here when none can be found (nothing has been asked of the model yet). Its probe (a
  // process start) runs once something needs it: after the model's first answer, before anything the model
  // asks for runs (deps.ready), or before the test gate's baseline; the first request does not wait for it.
  // The repository's identity (traces) and its AGENTS.md list come from one git process that runs while the
  // CPU work below (model, tools) goes on.
  const sandbox = startSandbox({
    mode: settings.sandbox,
    workspace,
    network: settings.network,
    env,
    configDir: configDir(env),
    // SEDGE_BWRAP: the user's own choice of bwrap (absolute, outside the workspace); empty means none
    ...(env.SEDGE_BWRAP !== undefined ? { bwrapPath: env.SEDGE_BWRAP || null } : {}),
  });
  // one git process for the repository's identity (traces, the prompt-cache key) and its AGENTS.md files
  const facts = root ? repoFacts(workspace, { agents: true }) : Promise.resolve(null);
  const tracesReady = facts.then((f) =>
    f
      ? openRepoTraces({
          cwd: workspace,
          env,
          cacheDir: cacheDir(env),
          identity: f.identity,
          ...(opts.onWarning ? { warn: opts.onWarning } : {}),
        })
      : null,
  );
  const instructionsReady = facts.then((f) => buildInstructions(root, opts.cwd, f?.agentsPaths ?? null));
  // awaited below; a failure there must not surface as an unhandled rejection when something else failed first
  tracesReady.catch(() => undefined);
  instructionsReady.catch(() => undefined);
  try {
    return await composeRest(opts, { env, root, workspace, settings, sandbox, tracesReady, instructionsReady });
  } catch (err) {
    void sandbox.settled().then(() => sandbox.dispose());
    throw err;
  }
}

interface Started {
  env: Env;
  root: string | null;
  workspace: string;
  settings: Settings;
  sandbox: ReturnType<typeof startSandbox>;
  tracesReady: ReturnType<typeof openRepoTraces>;
  instructionsReady: Promise<string>;
}

async function composeRest(opts: ComposeOptions, started: Started): Promise<Composition> {
  const { env, root, workspace, settings, sandbox } = started;
  const modelSettings = (name: string, reasoningEffort?: Settings['reasoningEffort']) => ({
    model: name,
    cwd: opts.cwd,
    ...(settings.baseURL ? { baseURL: settings.baseURL } : {}),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
    ...(settings.api ? { api: settings.api } : {}),
    models: settings.models,
    ...(reasoningEffort ? { reasoningEffort } : {}),
    ...(opts.temperature !== undefined && name === settings.model ? { temperature: opts.temperature } : {}),
    replayDelayMs: Number(env.SEDGE_REPLAY_DELAY_MS ?? 0) || 0,
    onRetry: (n: number, message: string) => opts.onWarning?.(`model request failed, retry ${n}: ${message}`),
    ...(opts.backoff ? { gate: opts.backoff } : {}),
    retries: settings.modelRetries,
    idleTimeoutMs: settings.modelIdleTimeoutS * 1000,
  });
  const model = opts.model ?? createModel(modelSettings(settings.model, settings.reasoningEffort));
  // the models table gives the context window unless the config sets one
  const info = describeModel(settings.model, settings.models);
  const contextTokens = settings.sources.context_tokens === 'default' ? info.context_tokens : settings.contextTokens;

  const sessionId = opts.sessionId ?? newSessionId();
  let lastTrace: TraceRecord | null = null;
  const state = stateDir(env);
  const outputsDir = join(state, 'outputs', sessionId);
  let log: SessionLog | null = null;
  const sessionPath = join(state, 'sessions', `${sessionId}.jsonl`);

  const sandboxed = settings.sandbox !== 'off';
  const redact = createRedactor({ env, ...(settings.apiKey ? { extra: [settings.apiKey] } : {}) });
  // --env NAME: the user's explicit choice, beyond the allowlist (never the endpoint key)
  const passed: Record<string, string | undefined> = {};
  // HOME is read-only in the sandbox: Go's build cache (fatal when unwritable) goes to the private temp dir
  if (sandboxed && !env.GOCACHE) passed.GOCACHE = join(sandbox.scratch, 'go-build');
  for (const name of settings.passEnv) if (!ENDPOINT_SECRET_ENV.includes(name)) passed[name] = env[name];

  const readOnlyRoots = [outputsDir];
  // temp files of atomic edits live in the git dir, and what a killed run left there is removed now
  const gitDir = root ? gitDirOf(root) : null;
  const editTmp = gitDir ? join(gitDir, 'sedge-tmp') : undefined;
  if (editTmp) sweepTempFiles(editTmp);
  const tools: Tool[] = [
    createShellTool({
      workspace: opts.cwd,
      defaultTimeoutS: settings.shellTimeoutS,
      env: passed,
      // called when bash first starts: after the model's first answer, so after deps.ready (the probe)
      ...(sandboxed ? { launcher: (dir: string) => sandbox.launcher([dir]) } : {}),
    }),
    createGrepTool({ workspace, readOnlyRoots }),
    createSedTool({ workspace, readOnlyRoots, ...(editTmp ? { tmpDir: editTmp } : {}) }),
    createThinkTool(
      settings.thinkModel
        ? {
            deliberate: createDeliberator(
              opts.thinkModel ?? createModel(modelSettings(settings.thinkModel, settings.thinkEffort)),
              { prompt: readPrompt('deliberate.md'), tools: () => toolset.schemas },
            ),
          }
        : {},
    ),
  ];
  // per-repo traces (issue 4): null outside git
  const [traces, instructions] = await Promise.all([started.tracesReady, started.instructionsReady]);
  if (traces) tools.push(createRecallTool({ store: traces.store, repoRoot: traces.root }));
  const toolset = createToolset(tools);
  // one prompt-cache key per repository, the same for every run in it
  const cacheKey = `sedge-${traces?.id ?? createHash('sha256').update(workspace).digest('hex').slice(0, 20)}`;

  const saveOutput = async (callId: string, text: string): Promise<string> => {
    await mkdir(outputsDir, { recursive: true, mode: 0o700 });
    const path = join(outputsDir, `${callId.replace(/[^A-Za-z0-9_.-]/g, '_')}.txt`);
    await writeFile(path, redact(text), { mode: 0o600 });
    return path;
  };

  /** a later fact about a run goes into its session file too, as a `signal` event after the run's own */
  const noteSignal = (
    rec: TraceRecord,
    s: { kind: 'undone' | 'edited_again' | 'committed'; files?: string[]; commit?: string },
  ) => {
    if (!rec.session_id) return;
    const event = redactDeep(
      { type: 'signal' as const, seq: 0, ts: Date.now(), trace_id: rec.id, run_started_at: rec.started_at, ...s },
      redact,
    );
    if (rec.session_id === sessionId && log) log.append(event);
    else appendToSession(join(state, 'sessions'), rec.session_id, event, opts.onWarning);
  };
  /** what the person did with this checkout's recent runs since they ended (traces/follow-up.ts) */
  const followUp = async (): Promise<void> => {
    await traces?.followUp((rec, f) => {
      if (lastTrace?.id === rec.id) lastTrace = rec;
      if (f.edited.length) noteSignal(rec, { kind: 'edited_again', files: f.edited });
      if (f.commit) noteSignal(rec, { kind: 'committed', files: f.committed, commit: f.commit });
    });
  };

  const approvalMode: ApprovalMode = opts.flags?.approval ?? (opts.approvalMode === 'ask' ? 'auto-edit' : 'auto');
  /** The one approval function: decide() says auto, deny, or ask (a person, when there is one). */
  const approveWith =
    (runOpts: RunOptions) =>
    async (req: ApprovalRequest): Promise<Decision> => {
      const verdict = decide(
        { name: req.call.name, kind: req.kind, args: req.args },
        {
          mode: approvalMode,
          sandbox: settings.sandbox,
          network: settings.network,
          workspace,
          canAsk: Boolean(runOpts.approve),
          ...(runOpts.alwaysAllowed ? { alwaysAllowed: runOpts.alwaysAllowed } : {}),
        },
      );
      if (verdict.decision === 'auto') return { decision: 'auto' };
      if (verdict.decision === 'deny' || !runOpts.approve) return { decision: 'denied', reason: verdict.reason };
      return runOpts.approve({ ...req, reason: verdict.reason });
    };
  // --test-cmd > repo config > user config, resolved once above; detection only looks further when unset
  const testOverride = resolvedTestCommand(settings);
  const launcher = sandbox.kind === 'none' ? undefined : sandbox.launcher();

  return {
    settings,
    workspace,
    isRepo: root !== null,
    sessionId,
    sessionPath,
    model,
    contextTokens,
    ...(info.prices
      ? {
          pricing: {
            input: info.prices.input,
            cachedInput: info.prices.cached_input ?? info.prices.input,
            output: info.prices.output,
          },
        }
      : {}),
    tools: toolset,
    sandbox,
    redact,
    run(task, signal, runOpts = {}) {
      log ??= openSessionLog(join(state, 'sessions'), sessionId, opts.onWarning, {
        syncEachStep: opts.syncSessionSteps !== false,
      });
      const sessionLog = log;
      const deps: AgentDeps = {
        model,
        tools: toolset,
        system: readPrompt('system.md'),
        ...(instructions ? { instructions } : {}),
        ...(whereNote(root, opts.cwd) ? { where: whereNote(root, opts.cwd) } : {}),
        approve: approveWith(runOpts),
        approvalMode,
        limits: {
          maxSteps: settings.maxSteps,
          timeoutMs: settings.timeoutS * 1000,
          verifyRounds: settings.verifyRounds,
          contextTokens,
          maxToolErrors: settings.maxToolErrors,
        },
        cacheKey,
        cwd: opts.cwd,
        sessionId,
        saveOutput,
        ...(runOpts.history ? { history: runOpts.history } : {}),
      };
      if (sandboxed) deps.ready = sandbox.ready;
      if (settings.verify)
        deps.verify = lazyGate(async () =>
          (await import('../agent/verify.js')).createTestGate({
            cwd: workspace,
            outputDir: join(state, 'test-runs', sessionId),
            timeoutMs: settings.testTimeoutS * 1000,
            policy: settings.verifyPolicy,
            ...testOverride,
            ...(opts.interactive ? { interactive: true } : {}),
            ...(opts.baselines
              ? {
                  baselines: {
                    scope: JSON.stringify([sandbox.describe(), passed, settings.testTimeoutS]),
                    entries: opts.baselines,
                  },
                }
              : {}),
            // the baseline and every check run in the same sandbox as the shell, their logs redacted
            // (the baseline starts with the run: it waits for the sandbox's probe first); bwrap unshares the
            // PID namespace, so what a test starts ends with it (no /proc scan needed)
            run: async (d, o) => {
              await sandbox.ready();
              const { runTests } = await import('../repo/test-run.js');
              return runTests(d, {
                ...o,
                redact,
                env: passed,
                ...(launcher ? { launcher, contained: sandbox.kind === 'bwrap' } : {}),
              });
            },
          }),
        );
      if (traces && settings.recall) deps.recall = traces.recall;
      const sinks = [(e: AgentEvent) => sessionLog.append(e)];
      if (runOpts.onEvent) sinks.push(runOpts.onEvent);
      const events = tee(redactEvents(runAgent(task, deps, signal), redact), sinks);
      if (!traces) return events;
      lastTrace = null;
      const onRecorded = (rec: TraceRecord) => void (lastTrace = rec);
      return traces.recordRun(events, {
        model: settings.model,
        sedgeVersion: VERSION,
        onRecorded,
        ...(opts.followUp ? { followUp: true, before: followUp } : {}),
      });
    },
    async signalLastRun(signal) {
      if (!traces || !lastTrace) return;
      lastTrace = applySignal(lastTrace, signal);
      await traces.update(lastTrace);
      if (signal.kind === 'undone') noteSignal(lastTrace, { kind: 'undone' });
    },
    ...(traces && opts.followUp ? { followUp } : {}),
    async close() {
      await toolset.dispose();
      // its probe may still be running (a run that ended before the model answered)
      await sandbox.settled();
      sandbox.dispose();
      log?.close();
    },
  };
}

/** Where this run starts when it is not the repository root: told with the task, after the cached prefix. */
function whereNote(root: string | null, cwd: string): string | undefined {
  if (!root || root === cwd) return undefined;
  const here = fillPrompt('notes/workspace.md', { cwd, root: '' });
  const governing = applicableAgentsFiles(root, cwd);
  return governing.length ? `${here}\n${fillPrompt('notes/agents-here.md', { files: governing.join(', ') })}` : here;
}

/** A later fact about a recorded run, merged into its trace record. */
function applySignal(rec: TraceRecord, s: RunSignal): TraceRecord {
  if (s.kind === 'undone') return { ...rec, signals: { approved: 0, denied: 0, ...rec.signals, undone: true } };
  const { kind: _kind, ...attempt } = s;
  return { ...rec, attempt };
}

/** Context for the first user message: where we are, and the repo's own instructions (AGENTS.md). */
function buildInstructions(root: string | null, cwd: string, agentsPaths: string[] | null): string {
  // the same bytes for every run in this repo, wherever in it sedge starts (the cwd goes with the task);
  // every AGENTS.md is listed with the subtree it governs
  const lines = [
    root ? fillPrompt('notes/repo-root.md', { root }) : fillPrompt('notes/workspace.md', { cwd, root: '' }),
  ];
  if (!root) lines.push(readPrompt('notes/not-a-repo.md'));
  const agents = root ? agentsInstructionsFrom(root, agentsPaths) : null;
  if (agents) lines.push('', agents);
  return lines.join('\n');
}

/**
 * The test gate, built on first use: detection reads manifests and CI files, which should not delay the
 * first model request. A fresh gate per run (per task) so each task gets its own baseline.
 */
function lazyGate(build: () => Promise<TestGate>): Verifier {
  let gate: Promise<TestGate> | null = null;
  const get = () => (gate ??= build());
  return {
    start(signal, task) {
      void get().then(
        (g) => g.start?.(signal, task),
        () => undefined,
      );
    },
    async beforeFirstChange(signal) {
      await (await get()).beforeFirstChange?.(signal);
    },
    async check(signal) {
      return (await get()).check(signal);
    },
  };
}

/**
 * Every event passes the one redaction function before any sink sees it: the session file, traces, --json
 * stdout, batch outputs and the screen get the same masked text, whatever a tool printed or a provider echoed.
 */
async function* redactEvents<R>(gen: AsyncGenerator<AgentEvent, R>, redact: Redactor): AsyncGenerator<AgentEvent, R> {
  while (true) {
    const next = await gen.next();
    if (next.done) return next.value;
    yield redactDeep(next.value, redact);
  }
}
