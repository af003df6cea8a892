import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A deliberately independent OpenAI-compatible server for review tests: it writes raw SSE bytes exactly as
 * scripted (no shared code with tests/support/scripted-server.ts), so provider quirks can be reproduced:
 * keep-alive comments, CRLF, usage-only chunks, repeated names, streams that stop early.
 */
export type RawEvent = Record<string, unknown> | 'PING' | 'DONE';
export type RawTurn =
  | { events: RawEvent[]; crlf?: boolean; slice?: number; endEarlyAfter?: number }
  | { status: number; body: string; headers?: Record<string, string> };

export interface RawServer {
  baseURL: string;
  bodies: {
    messages: {
      role: string;
      tool_call_id?: string;
      tool_calls?: { id: string; function: { name: string; arguments: string } }[];
    }[];
  }[];
  close(): Promise<void>;
}

export const chunk = (delta: Record<string, unknown>, finish: string | null = null): RawEvent => ({
  choices: [{ index: 0, delta, finish_reason: finish }],
});
export const usageChunk = (prompt: number, completion: number, cached = 0): RawEvent => ({
  choices: [],
  usage: {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
  },
});

export async function startRawServer(turns: RawTurn[]): Promise<RawServer> {
  const bodies: RawServer['bodies'] = [];
  let next = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', async () => {
      bodies.push(JSON.parse(body || '{}'));
      const turn = turns[next++];
      if (!turn) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"no more turns"}}');
        return;
      }
      if ('status' in turn) {
        res.writeHead(turn.status, { 'content-type': 'application/json', ...turn.headers });
        res.end(turn.body);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const eol = turn.crlf ? '\r\n' : '\n';
      const events = turn.endEarlyAfter === undefined ? turn.events : turn.events.slice(0, turn.endEarlyAfter);
      let text = '';
      for (const e of events) {
        if (e === 'PING') text += `: ping${eol}${eol}`;
        else if (e === 'DONE') text += `data: [DONE]${eol}${eol}`;
        else
          text += `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', ...e })}${eol}${eol}`;
      }
      // Tiny byte slices: multi-byte UTF-8 characters and CRLF pairs get split across writes.
      const bytes = Buffer.from(text, 'utf8');
      const step = turn.slice ?? 5;
      for (let i = 0; i < bytes.length; i += step) {
        res.write(bytes.subarray(i, i + step));
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
