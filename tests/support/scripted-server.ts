import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeArguments, type ScriptedTurn } from '../../src/model/script.js';
import { type ResponsesTurn, turnToEvents } from './responses-events.js';

/**
 * A small OpenAI-compatible server that streams scripted turns as SSE, so tests drive the real loop through the
 * real `openai` SDK over real HTTP. It speaks Chat Completions (POST /chat/completions) and the Responses API
 * (POST /responses: reasoning summaries, encrypted reasoning items, function calls, usage).
 */
export type ScriptStep =
  | (ScriptedTurn & {
      /** split each tool call's arguments into fragments of this many characters (default 7) */
      argChunk?: number;
      /** abort the connection after this many SSE chunks (a mid-stream failure) */
      dropAfter?: number;
      /** stop sending after this many SSE chunks and keep the connection open (a stalled stream) */
      stallAfter?: number;
      /** end the stream ([DONE]) without the chunk that carries finish_reason */
      noFinish?: boolean;
    } & Pick<ResponsesTurn, 'encrypted' | 'incomplete'>)
  | { error: { status: number; message: string; code?: string; type?: string; headers?: Record<string, string> } }
  | ((request: ChatRequest) => ScriptStep);

export interface ChatRequest {
  model: string;
  messages: { role: string; content: unknown; tool_calls?: unknown[]; tool_call_id?: string }[];
  tools?: { type: string; function: { name: string; description: string; parameters: unknown } }[];
  stream?: boolean;
  [key: string]: unknown;
}

export interface ScriptedServer {
  url: string;
  /** base URL for the SDK, e.g. http://127.0.0.1:PORT/v1 */
  baseURL: string;
  requests: ChatRequest[];
  /** each request body exactly as it arrived, for byte-for-byte checks */
  rawBodies: string[];
  /** the path of each request (/v1/chat/completions or /v1/responses) */
  paths: string[];
  /** the Authorization headers received (to check that keys are sent, never logged) */
  authHeaders: string[];
  push(...steps: ScriptStep[]): void;
  /** every request as "METHOD /path", in order (GETs included: a test can check nothing was asked at all) */
  hits: string[];
  /** the model ids GET /v1/models lists and GET /v1/models/ID finds (default: none listed) */
  models: string[];
  /** when set, every request is answered with this error (e.g. 401 bad key, 404 unknown model) */
  fail: { status: number; message: string } | null;
  close(): Promise<void>;
}

export interface ScriptedServerOptions {
  /**
   * Answers a request when the queue is empty: for concurrent runs (batch workers) whose request order is
   * not fixed, the reply is chosen from the request itself.
   */
  fallback?: (request: ChatRequest) => ScriptStep;
}

export async function startScriptedServer(
  script: ScriptStep[] = [],
  options: ScriptedServerOptions = {},
): Promise<ScriptedServer> {
  const queue = [...script];
  const requests: ChatRequest[] = [];
  const rawBodies: string[] = [];
  const paths: string[] = [];
  const authHeaders: string[] = [];
  let counter = 0;

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });

  const state: Pick<ScriptedServer, 'hits' | 'models' | 'fail'> = { hits: [], models: [], fail: null };

  function answerJson(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    state.hits.push(`${req.method} ${req.url}`);
    if (state.fail) {
      await readBody(req);
      answerJson(res, state.fail.status, { error: { message: state.fail.message, type: 'scripted' } });
      return;
    }
    const model = /\/models\/([^/?]+)$/.exec(req.url ?? '')?.[1];
    if (req.method === 'GET' && req.url?.endsWith('/models')) {
      answerJson(res, 200, {
        object: 'list',
        data: state.models.map((id) => ({ id, object: 'model', owned_by: 'x' })),
      });
      return;
    }
    if (req.method === 'GET' && model !== undefined) {
      const id = decodeURIComponent(model);
      if (state.models.includes(id)) answerJson(res, 200, { id, object: 'model', owned_by: 'x' });
      else answerJson(res, 404, { error: { message: `The model '${id}' does not exist`, code: 'model_not_found' } });
      return;
    }
    const api = req.url?.endsWith('/chat/completions') ? 'chat' : req.url?.endsWith('/responses') ? 'responses' : null;
    if (req.method !== 'POST' || !api) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    const body = await readBody(req);
    const request = JSON.parse(body) as ChatRequest;
    requests.push(request);
    rawBodies.push(body);
    paths.push(req.url ?? '');
    authHeaders.push(String(req.headers.authorization ?? ''));
    let step = queue.shift() ?? options.fallback?.(request);
    while (typeof step === 'function') step = step(request);
    if (!step) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { message: `scripted server: script exhausted at request ${requests.length}` } }),
      );
      return;
    }
    if ('error' in step) {
      res.writeHead(step.error.status, { 'content-type': 'application/json', ...step.error.headers });
      const { message, code, type } = step.error;
      res.end(JSON.stringify({ error: { message, type: type ?? 'scripted', ...(code ? { code } : {}) } }));
      return;
    }
    const n = ++counter;
    const chunks =
      api === 'chat'
        ? turnToChunks(step, `chatcmpl-${n}`, request.model)
        : turnToEvents(step, `resp_${n}`, request.model);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let sent = 0;
    for (const chunk of step.noFinish ? chunks.filter((c) => !hasFinish(c)) : chunks) {
      if (step.dropAfter !== undefined && sent >= step.dropAfter) {
        res.destroy();
        return;
      }
      if (step.stallAfter !== undefined && sent >= step.stallAfter) return; // close() ends the connection
      const event = api === 'responses' ? `event: ${(chunk as { type: string }).type}\n` : '';
      res.write(`${event}data: ${JSON.stringify(chunk)}\n\n`);
      sent++;
    }
    res.end(api === 'chat' ? 'data: [DONE]\n\n' : undefined);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    requests,
    rawBodies,
    paths,
    authHeaders,
    push: (...steps) => queue.push(...steps),
    get hits() {
      return state.hits;
    },
    get models() {
      return state.models;
    },
    set models(ids: string[]) {
      state.models = ids;
    },
    get fail() {
      return state.fail;
    },
    set fail(f: { status: number; message: string } | null) {
      state.fail = f;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** The SSE chunk objects for one turn: text in small deltas, tool-call arguments split into fragments. */
export function turnToChunks(turn: ScriptedTurn & { argChunk?: number }, id: string, model: string): object[] {
  const base = { id, object: 'chat.completion.chunk', created: 1_700_000_000, model };
  const chunk = (delta: object, finish: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const out: object[] = [chunk({ role: 'assistant', content: '' })];
  if (turn.reasoning) for (const piece of pieces(turn.reasoning, 16)) out.push(chunk({ reasoning_content: piece }));
  if (turn.text) for (const piece of pieces(turn.text, 8)) out.push(chunk({ content: piece }));
  const size = turn.argChunk ?? 7;
  (turn.tool_calls ?? []).forEach((call, index) => {
    const args = encodeArguments(call.arguments);
    const callId = call.id ?? `call_${id}_${index}`;
    out.push(
      chunk({ tool_calls: [{ index, id: callId, type: 'function', function: { name: call.name, arguments: '' } }] }),
    );
    for (const piece of pieces(args, size))
      out.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  out.push(chunk({}, turn.tool_calls?.length ? 'tool_calls' : 'stop'));
  const u = turn.usage ?? { input_tokens: 100, output_tokens: 20, cached_tokens: 0 };
  out.push({
    ...base,
    choices: [],
    usage: {
      prompt_tokens: u.input_tokens,
      completion_tokens: u.output_tokens,
      total_tokens: u.input_tokens + u.output_tokens,
      prompt_tokens_details: { cached_tokens: u.cached_tokens },
    },
  });
  return out;
}

function pieces(text: string, size: number): string[] {
  if (text === '') return [''];
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function hasFinish(chunk: object): boolean {
  const choices = (chunk as { choices?: { finish_reason?: string | null }[] }).choices ?? [];
  return choices.some((c) => c.finish_reason);
}
