/**
 * Which provider errors are worth retrying. A 429 is usually a rate limit (wait and retry), but a 429 with
 * `insufficient_quota` (or a billing message) means the account is out of credit: retrying only burns the
 * retry budget, so it fails at once. 400/401/403/404/422 never get better by waiting.
 */
export interface HttpErrorInfo {
  status: number | null;
  /** the body's error.code, e.g. "insufficient_quota", "context_length_exceeded" */
  code?: string | null | undefined;
  /** the body's error.type */
  type?: string | null | undefined;
  message: string;
}

export interface ErrorClass {
  retryable: boolean;
  /** what to do about it, appended to the message */
  hint: string;
}

import { ModelError } from './types.js';

const QUOTA = /insufficient_quota|exceeded your current quota|billing|out of credits?|credit balance/i;
const CONTEXT = /context_length_exceeded|context length|maximum context|too many tokens|prompt is too long/i;

export function classifyHttpError(e: HttpErrorInfo): ErrorClass {
  const { status } = e;
  const tags = `${e.code ?? ''} ${e.type ?? ''} ${e.message}`;
  if (status === 429 && QUOTA.test(tags))
    return { retryable: false, hint: ' (quota exhausted: check the plan and billing of this API key; not retried)' };
  if (status === 400 && CONTEXT.test(tags))
    return { retryable: false, hint: ' (the conversation is longer than the model accepts: lower context_tokens)' };
  const retryable = status === null || status === 408 || status === 409 || status === 429 || status >= 500;
  const hint =
    status === 401
      ? ' (check OPENAI_API_KEY)'
      : status === 403
        ? ' (the key may not use this model or endpoint)'
        : status === 404
          ? ' (check the model name and OPENAI_BASE_URL)'
          : '';
  return { retryable, hint };
}

/**
 * A sampling temperature was sent (`--temperatures`) and the endpoint refused the request over it: reasoning
 * models (OpenAI o-series, gpt-5) take none, on Chat Completions and on the Responses API alike. The run
 * stops with a message that says so plainly instead of a bare HTTP 400; it is not retried.
 */
export function temperatureRefused(err: unknown, model: string, temperature: number | undefined): unknown {
  if (temperature === undefined || !(err instanceof ModelError)) return err;
  if ((err.status !== 400 && err.status !== 422) || !/temperature/i.test(err.message)) return err;
  return new ModelError(
    `model ${model} does not accept a sampling temperature (temperature ${temperature} was refused: ${err.message}); ` +
      'run its attempts without --temperatures, or vary them with --models instead',
    err.status,
    false,
  );
}
