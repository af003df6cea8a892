import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeArguments, type ScriptedTurn } from '../../src/model/script.js';

/**
 * A small OpenAI-compatible Chat Completions server that streams scripted turns as SSE chunks, so tests
 * drive the real loop through the real `openai` SDK over real HTTP.
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
    })
  | { error: { status: number; message: string; code?: string; type?: string } }
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
  /** the Authorization headers received (to check that keys are sent, never logged) */
  authHeaders: string[];
  push(...steps: ScriptStep[]): void;
  close(): Promise<void>;
}

export async function startScriptedServer(script: ScriptStep[] = []): Promise<ScriptedServer> {
  const queue = [...script];
  const requests: ChatRequest[] = [];
  const authHeaders: string[] = [];
  let counter = 0;

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    const body = await readBody(req);
    const request = JSON.parse(body) as ChatRequest;
    requests.push(request);
    authHeaders.push(String(req.headers.authorization ?? ''));
    let step = queue.shift();
    while (typeof step === 'function') step = step(request);
    if (!step) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ error: { message: `scripted server: script exhausted at request ${requests.length}` } }),
      );
      return;
    }
    if ('error' in step) {
      res.writeHead(step.error.status, { 'content-type': 'application/json' });
      const { message, code, type } = step.error;
      res.end(JSON.stringify({ error: { message, type: type ?? 'scripted', ...(code ? { code } : {}) } }));
      return;
    }
    const id = `chatcmpl-${++counter}`;
    const chunks = turnToChunks(step, id, request.model);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let sent = 0;
    for (const chunk of step.noFinish ? chunks.filter((c) => !hasFinish(c)) : chunks) {
      if (step.dropAfter !== undefined && sent >= step.dropAfter) {
        res.destroy();
        return;
      }
      if (step.stallAfter !== undefined && sent >= step.stallAfter) return; // close() ends the connection
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      sent++;
    }
    res.end('data: [DONE]\n\n');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    requests,
    authHeaders,
    push: (...steps) => queue.push(...steps),
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
