import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runAgent } from '../agent/loop.js';
import { newSessionId, openSessionLog, tee, type SessionLog } from '../agent/session-log.js';
import type { AgentEvent } from '../agent/events.js';
import type { AgentDeps, Verifier } from '../agent/types.js';
import type { Composition, RunSignal } from '../agent/composition.js';
import { createTestGate, type TestGate } from '../agent/verify.js';
import { readPrompt } from '../config/prompts.js';
import { loadSettings, type FlagValues } from '../config/load.js';
import { stateDir } from '../config/paths.js';
import type { Settings } from '../config/schema.js';
import type { BackoffGate } from '../model/backoff-gate.js';
import { createModel, describeModel } from '../model/create.js';
import { createDeliberator } from '../model/deliberate.js';
import type { Message, ModelClient } from '../model/types.js';
import { findRepoRoot, readAgentsMd } from '../repo/root.js';
import { resolvedTestCommand } from './resolved-test.js';
import { VERSION } from './version.js';
import { createGrepTool } from '../tools/grep.js';
import { createSedTool } from '../tools/sed.js';
import { createShellTool } from '../tools/shell.js';
import { createThinkTool } from '../tools/think.js';
import { createRecallTool } from '../traces/recall-tool.js';
import type { TraceRecord } from '../traces/record.js';
import { openRepoTraces } from '../traces/session.js';
import { createToolset, type Tool, type Toolset } from '../tools/tool.js';

type Env = Record<string, string | undefined>;

export interface ComposeOptions {
  cwd: string;
  env?: Env;
  flags?: FlagValues;
  /** describes approvals on run_start */
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
  /** sampling temperature of the main model (one attempt of `exec --attempts`) */
  temperature?: number;
  onWarning?: (message: string) => void;
}

export type { Composition, RunOptions } from '../agent/composition.js';

export async function compose(opts: ComposeOptions): Promise<Composition> {
  const env = opts.env ?? process.env;
  const root = findRepoRoot(opts.cwd);
  const workspace = root ?? opts.cwd;
  const settings = loadSettings({ repoRoot: root, env, flags: opts.flags ?? {} });
  for (const w of settings.warnings) opts.onWarning?.(w);

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

  const readOnlyRoots = [outputsDir];
  const tools: Tool[] = [
    createShellTool({ workspace: opts.cwd, defaultTimeoutS: settings.shellTimeoutS }),
    createGrepTool({ workspace, readOnlyRoots }),
    createSedTool({ workspace, readOnlyRoots }),
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
  const traces = root
    ? await openRepoTraces({ cwd: workspace, env, ...(opts.onWarning ? { warn: opts.onWarning } : {}) })
    : null;
  if (traces) tools.push(createRecallTool({ store: traces.store, repoRoot: traces.root }));
  const toolset = createToolset(tools);
  // one prompt-cache key per repository, the same for every run in it
  const cacheKey = `sedge-${traces?.id ?? createHash('sha256').update(workspace).digest('hex').slice(0, 20)}`;

  const saveOutput = async (callId: string, text: string): Promise<string> => {
    await mkdir(outputsDir, { recursive: true, mode: 0o700 });
    const path = join(outputsDir, `${callId.replace(/[^A-Za-z0-9_.-]/g, '_')}.txt`);
    await writeFile(path, text, { mode: 0o600 });
    return path;
  };

  const instructions = buildInstructions(root, opts.cwd);
  // --test-cmd > repo config > user config, resolved once above; detection only looks further when unset
  const testOverride = resolvedTestCommand(settings);

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
    run(task, signal, runOpts = {}) {
      log ??= openSessionLog(join(state, 'sessions'), sessionId, opts.onWarning);
      const sessionLog = log;
      const deps: AgentDeps = {
        model,
        tools: toolset,
        system: readPrompt('system.md'),
        ...(instructions ? { instructions } : {}),
        ...(runOpts.approve ? { approve: runOpts.approve } : {}),
        approvalMode: opts.approvalMode,
        limits: {
          maxSteps: settings.maxSteps,
          timeoutMs: settings.timeoutS * 1000,
          verifyRounds: settings.verifyRounds,
          contextTokens,
        },
        cacheKey,
        cwd: opts.cwd,
        sessionId,
        saveOutput,
        ...(runOpts.history ? { history: runOpts.history } : {}),
      };
      if (settings.verify)
        deps.verify = lazyGate(() =>
          createTestGate({
            cwd: workspace,
            outputDir: join(state, 'test-runs', sessionId),
            timeoutMs: settings.testTimeoutS * 1000,
            policy: settings.verifyPolicy,
            ...testOverride,
            ...(opts.interactive ? { interactive: true } : {}),
          }),
        );
      if (traces && settings.recall) deps.recall = traces.recall;
      const sinks = [(e: AgentEvent) => sessionLog.append(e)];
      if (runOpts.onEvent) sinks.push(runOpts.onEvent);
      const events = tee(scrubSecrets(runAgent(task, deps, signal), settings.apiKey ? [settings.apiKey] : []), sinks);
      if (!traces) return events;
      lastTrace = null;
      const onRecorded = (rec: TraceRecord) => void (lastTrace = rec);
      return traces.recordRun(events, { model: settings.model, sedgeVersion: VERSION, onRecorded });
    },
    async signalLastRun(signal) {
      if (!traces || !lastTrace) return;
      lastTrace = applySignal(lastTrace, signal);
      traces.update(lastTrace);
    },
    async close() {
      await toolset.dispose();
      log?.close();
    },
  };
}

/** A later fact about a recorded run, merged into its trace record. */
function applySignal(rec: TraceRecord, s: RunSignal): TraceRecord {
  if (s.kind === 'undone') return { ...rec, signals: { approved: 0, denied: 0, ...rec.signals, undone: true } };
  const { kind: _kind, ...attempt } = s;
  return { ...rec, attempt };
}

/** Context for the first user message: where we are, and the repo's own instructions (AGENTS.md). */
function buildInstructions(root: string | null, cwd: string): string {
  const lines = [`Working directory: ${cwd}${root && root !== cwd ? ` (repository root: ${root})` : ''}`];
  if (!root) lines.push('This directory is not a git repository.');
  const agents = root ? readAgentsMd(root) : null;
  if (agents) lines.push('', 'Instructions from AGENTS.md in this repository:', agents.trim());
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
 * Last line of defence: no event leaves the loop carrying the endpoint's key, whatever a tool printed or
 * a provider echoed. Cheap: one string search per event, a rewrite only on a hit.
 */
async function* scrubSecrets<R>(gen: AsyncGenerator<AgentEvent, R>, secrets: string[]): AsyncGenerator<AgentEvent, R> {
  const live = secrets.filter((s) => s.length >= 8);
  while (true) {
    const next = await gen.next();
    if (next.done) return next.value;
    let event = next.value;
    if (live.length) {
      const text = JSON.stringify(event);
      if (live.some((s) => text.includes(s))) {
        let clean = text;
        for (const s of live) clean = clean.split(s).join('[REDACTED]');
        event = JSON.parse(clean) as AgentEvent;
      }
    }
    yield event;
  }
}
