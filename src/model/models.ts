/**
 * What sedge knows about a model family: which API serves it best, whether its reasoning goes back to the
 * provider after tool calls, its context window (compaction) and prices (the cost display). Built-in entries
 * cover common families; the user config's `models` table overrides them field by field.
 */

/**
 * Reasoning passback on assistant tool-call messages (Chat Completions):
 * - `on`: always (DeepSeek thinking mode and Kimi K2 answer 400 without it);
 * - `off`: never (providers that reject an unknown message field);
 * - `drop-old`: only for the turns after the last user message, as the chat template does (Qwen3).
 */
export type ReasoningPassback = 'on' | 'off' | 'drop-old';
export type ApiKind = 'chat' | 'responses';
export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high';
export type ReasoningSummary = 'auto' | 'concise' | 'detailed';

/** USD per million tokens. */
export interface ModelPrices {
  input: number;
  cached_input?: number;
  output: number;
}

export interface ModelEntry {
  /** which API to use; unset = Chat, except Responses for families that prefer it on OpenAI's own endpoint */
  api?: ApiKind;
  context_tokens?: number;
  prices?: ModelPrices;
  reasoning?: ReasoningPassback;
  reasoning_effort?: ReasoningEffort;
  reasoning_summary?: ReasoningSummary;
}

export interface ModelInfo extends ModelEntry {
  /** the table key that matched (`*` = nothing matched, defaults) */
  matched: string;
  context_tokens: number;
  reasoning: ReasoningPassback;
  /** the user's entry chose the API itself (it then applies on any endpoint) */
  api_chosen?: boolean;
}

const DEFAULT_CONTEXT = 128_000;

/**
 * Keys match the model name exactly, or as a prefix when they end with `*`; a provider prefix
 * ("deepseek/deepseek-chat", "openai/gpt-4.1") is ignored when matching. Prices are indicative list
 * prices; set your own in the config when they matter.
 */
export const BUILTIN_MODELS: Readonly<Record<string, ModelEntry>> = {
  'gpt-4.1*': { context_tokens: 1_047_576, reasoning: 'off', prices: { input: 2, cached_input: 0.5, output: 8 } },
  'gpt-4.1-mini*': {
    context_tokens: 1_047_576,
    reasoning: 'off',
    prices: { input: 0.4, cached_input: 0.1, output: 1.6 },
  },
  'gpt-4.1-nano*': {
    context_tokens: 1_047_576,
    reasoning: 'off',
    prices: { input: 0.1, cached_input: 0.025, output: 0.4 },
  },
  'gpt-4o*': { context_tokens: 128_000, reasoning: 'off', prices: { input: 2.5, cached_input: 1.25, output: 10 } },
  'gpt-5*': {
    api: 'responses',
    context_tokens: 400_000,
    reasoning: 'off',
    reasoning_summary: 'auto',
    prices: { input: 1.25, cached_input: 0.125, output: 10 },
  },
  'gpt-5-mini*': {
    api: 'responses',
    context_tokens: 400_000,
    reasoning: 'off',
    reasoning_summary: 'auto',
    prices: { input: 0.25, cached_input: 0.025, output: 2 },
  },
  'gpt-5-nano*': {
    api: 'responses',
    context_tokens: 400_000,
    reasoning: 'off',
    reasoning_summary: 'auto',
    prices: { input: 0.05, cached_input: 0.005, output: 0.4 },
  },
  'o3-mini*': {
    api: 'responses',
    context_tokens: 200_000,
    reasoning: 'off',
    reasoning_summary: 'auto',
    prices: { input: 1.1, cached_input: 0.55, output: 4.4 },
  },
  'o3*': {
    api: 'responses',
    context_tokens: 200_000,
    reasoning: 'off',
    reasoning_summary: 'auto',
    prices: { input: 2, cached_input: 0.5, output: 8 },
  },
  'o4-mini*': {
    api: 'responses',
    context_tokens: 200_000,
    reasoning: 'off',
    reasoning_summary: 'auto',
    prices: { input: 1.1, cached_input: 0.275, output: 4.4 },
  },
  'deepseek-chat*': { context_tokens: 128_000, reasoning: 'on' },
  'deepseek-reasoner*': { context_tokens: 128_000, reasoning: 'on' },
  'deepseek-v3*': { context_tokens: 128_000, reasoning: 'on' },
  'kimi-k2*': { context_tokens: 256_000, reasoning: 'on' },
  'moonshotai/kimi-k2*': { context_tokens: 256_000, reasoning: 'on' },
  'glm-4*': { context_tokens: 128_000, reasoning: 'on' },
  'qwen3*': { context_tokens: 128_000, reasoning: 'drop-old' },
  'qwq*': { context_tokens: 128_000, reasoning: 'drop-old' },
};

function matches(key: string, name: string): boolean {
  const k = key.toLowerCase();
  return k.endsWith('*') ? name.startsWith(k.slice(0, -1)) : name === k;
}

/** The best key of a table for a name: an exact key first, then the longest matching prefix. */
function bestKey(table: Readonly<Record<string, ModelEntry>>, model: string): string | undefined {
  const full = model.toLowerCase();
  const bare = full.slice(full.lastIndexOf('/') + 1);
  let best: string | undefined;
  let bestScore = -1;
  for (const key of Object.keys(table)) {
    for (const name of [full, bare]) {
      if (!matches(key, name)) continue;
      const score = key.endsWith('*') ? key.length : 10_000 + key.length;
      if (score > bestScore) {
        best = key;
        bestScore = score;
      }
    }
  }
  return best;
}

/** Resolve a model name: the built-in entry, then the user's entry over it, then defaults. */
export function modelInfo(model: string, user: Readonly<Record<string, ModelEntry>> = {}): ModelInfo {
  const builtinKey = bestKey(BUILTIN_MODELS, model);
  const userKey = bestKey(user, model);
  const builtin = builtinKey ? BUILTIN_MODELS[builtinKey] : undefined;
  const own = userKey ? user[userKey] : undefined;
  return {
    ...builtin,
    ...own,
    matched: userKey ?? builtinKey ?? '*',
    context_tokens: own?.context_tokens ?? builtin?.context_tokens ?? DEFAULT_CONTEXT,
    reasoning: own?.reasoning ?? builtin?.reasoning ?? 'on',
    ...(own?.api ? { api_chosen: true } : {}),
  };
}

/** OpenAI's own endpoint (no base URL, or api.openai.com). */
export function isOpenAIEndpoint(baseURL: string | undefined): boolean {
  if (!baseURL) return true;
  try {
    return new URL(baseURL).hostname === 'api.openai.com';
  } catch {
    return false;
  }
}

/**
 * Which API to speak: an explicit choice (flag or config) wins; otherwise Responses for families that prefer it
 * when talking to OpenAI itself, Chat Completions everywhere else (local servers and most providers).
 */
export function chooseApi(info: ModelInfo, baseURL: string | undefined, explicit?: ApiKind): ApiKind {
  if (explicit) return explicit;
  if (info.api && info.api_chosen) return info.api;
  return info.api === 'responses' && isOpenAIEndpoint(baseURL) ? 'responses' : 'chat';
}
