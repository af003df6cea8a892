/**
 * One cheap request that tells whether a run could work against an OpenAI-compatible endpoint (for
 * `sedge doctor`): list the models (GET /models), and when the server has no such route, ask for a
 * one-token completion. The key goes in the Authorization header only; it is never part of a verdict.
 */

export type ProbeVerdict =
  | 'ok'
  | 'no_key'
  | 'bad_key'
  | 'unknown_model'
  | 'connection_refused'
  | 'host_not_found'
  | 'tls_error'
  | 'timeout'
  | 'http_error';

export interface ProbeResult {
  verdict: ProbeVerdict;
  ok: boolean;
  detail: string;
  /** HTTP status of the answer that decided the verdict, if any */
  status?: number;
}

export interface ProbeOptions {
  baseURL: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

const TLS_CODES =
  /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|EPROTO|ERR_SSL)/;

export async function probeEndpoint(o: ProbeOptions): Promise<ProbeResult> {
  const base = o.baseURL.replace(/\/+$/, '');
  const doFetch = o.fetch ?? fetch;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
  const deadline = AbortSignal.timeout(o.timeoutMs);
  const request = async (path: string, init: RequestInit = {}) => {
    const res = await doFetch(`${base}${path}`, {
      ...init,
      headers: { ...headers, ...init.headers },
      signal: deadline,
    });
    const text = await res.text();
    return { status: res.status, text };
  };
  try {
    const list = await request('/models');
    if (list.status === 401 || list.status === 403) return badKey(list.status, list.text, o);
    if (list.status === 200) {
      const ids = modelIds(list.text);
      if (ids === null)
        return { verdict: 'http_error', ok: false, status: 200, detail: 'GET /models: not a model list' };
      if (ids.includes(o.model))
        return { verdict: 'ok', ok: true, status: 200, detail: `reachable; model ${o.model} exists` };
      if (ids.length > 0)
        return {
          verdict: 'unknown_model',
          ok: false,
          status: 200,
          detail: `unknown model ${o.model}: the endpoint lists ${ids.length} (${sample(ids)})`,
        };
      // an empty list says nothing: ask for the model itself
    } else if (list.status !== 404 && list.status !== 405) return httpError('GET /models', list.status, list.text);

    const one = await request('/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: o.model, max_tokens: 1, messages: [{ role: 'user', content: 'ping' }] }),
    });
    if (one.status === 200)
      return { verdict: 'ok', ok: true, status: 200, detail: `reachable; model ${o.model} answered` };
    if (one.status === 401 || one.status === 403) return badKey(one.status, one.text, o);
    if (one.status === 404 || (one.status === 400 && /model/i.test(one.text)))
      return {
        verdict: 'unknown_model',
        ok: false,
        status: one.status,
        detail: `unknown model ${o.model} (HTTP ${one.status}: ${message(one.text)})`,
      };
    return httpError('a one-token completion', one.status, one.text);
  } catch (err) {
    return networkFailure(err, base, o.timeoutMs);
  }
}

function badKey(status: number, text: string, o: ProbeOptions): ProbeResult {
  const why = o.apiKey ? 'the key was refused' : 'the endpoint wants a key and OPENAI_API_KEY is not set';
  return { verdict: 'bad_key', ok: false, status, detail: `${why} (HTTP ${status}: ${message(text)})` };
}

function httpError(what: string, status: number, text: string): ProbeResult {
  return { verdict: 'http_error', ok: false, status, detail: `${what}: HTTP ${status}: ${message(text)}` };
}

function sample(ids: string[]): string {
  return `${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}`;
}

function modelIds(text: string): string[] | null {
  try {
    const body = JSON.parse(text) as { data?: { id?: unknown }[] };
    if (!Array.isArray(body.data)) return null;
    return body.data.map((m) => m.id).filter((id): id is string => typeof id === 'string');
  } catch {
    return null;
  }
}

/** The server's own error message, one line, bounded. */
function message(text: string): string {
  let m = text;
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    m = (typeof body.error === 'string' ? body.error : body.error?.message) ?? body.message ?? text;
  } catch {
    /* not JSON */
  }
  const line = m.replace(/\s+/g, ' ').trim();
  return line.length > 160 ? `${line.slice(0, 160)}…` : line || '(empty answer)';
}

function networkFailure(err: unknown, base: string, timeoutMs: number): ProbeResult {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError')
    return { verdict: 'timeout', ok: false, detail: `no answer from ${base} within ${timeoutMs / 1000} s` };
  const code = e.cause?.code ?? (e as NodeJS.ErrnoException).code ?? '';
  const why = e.cause?.message ?? e.message;
  if (code === 'ECONNREFUSED')
    return { verdict: 'connection_refused', ok: false, detail: `connection refused by ${base} (is the server up?)` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return { verdict: 'host_not_found', ok: false, detail: `cannot resolve the host of ${base}` };
  if (TLS_CODES.test(code) || /ssl|tls|certificate/i.test(why))
    return { verdict: 'tls_error', ok: false, detail: `TLS error talking to ${base}: ${code || why}` };
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT')
    return { verdict: 'timeout', ok: false, detail: `no answer from ${base} within ${timeoutMs / 1000} s` };
  return { verdict: 'http_error', ok: false, detail: `request to ${base} failed: ${code ? `${code} ` : ''}${why}` };
}
