import { BotError, type ErrorKind } from '../errors.js';

const REQUEST_ID_SUFFIX = /\s*\(request id: [^)]*\)\s*$/i;

/** The upstream's message without the gateway's request-id suffix and stray spaces. */
export function cleanMessage(message: string): string {
  return message.replace(REQUEST_ID_SUFFIX, '').trim();
}

interface Envelope {
  message: string | undefined;
  code: string | number | undefined;
  type: string | undefined;
}

/**
 * Reads whichever error envelope the route family uses: OpenAI `{error:{message,code,type}}`,
 * Claude `{type:'error', error:{type,message}}`, Midjourney `{description, code}` and Suno
 * `{code, message, data:null}`.
 */
export function readEnvelope(body: unknown): Envelope {
  if (!body || typeof body !== 'object') return { message: undefined, code: undefined, type: undefined };
  const b = body as Record<string, unknown>;
  const err = b.error;
  if (err && typeof err === 'object') {
    const e = err as Record<string, unknown>;
    return {
      message: typeof e.message === 'string' ? e.message : undefined,
      code: typeof e.code === 'string' || typeof e.code === 'number' ? e.code : undefined,
      type: typeof e.type === 'string' ? e.type : undefined,
    };
  }
  if (typeof err === 'string') return { message: err, code: undefined, type: undefined };
  const message =
    typeof b.description === 'string' ? b.description : typeof b.message === 'string' ? b.message : undefined;
  const code = typeof b.code === 'string' || typeof b.code === 'number' ? b.code : undefined;
  return { message, code, type: typeof b.type === 'string' ? b.type : undefined };
}

const QUOTA_CODES = /insufficient_(user_)?quota|quota_not_enough|pre_consume_token_quota_failed|billing/i;
const NOT_FOUND_CODES = /model_not_found|task_not_exist|task_not_found|not_found/i;

function kindFor(status: number, env: Envelope): ErrorKind {
  const code = `${env.code ?? ''} ${env.type ?? ''}`;
  if (QUOTA_CODES.test(code) || QUOTA_CODES.test(env.message ?? '')) return 'quota';
  if (status === 401 || status === 403) return 'auth';
  if (status === 402) return 'quota';
  // Midjourney: 23 queue full, 30 rate limited, whatever the HTTP status.
  if (status === 429 || env.code === 23 || env.code === 30) return 'rate_limit';
  if (status === 404 || NOT_FOUND_CODES.test(code)) return 'not_found';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'upstream';
  if (/overloaded|rate_limit/i.test(code)) return 'rate_limit';
  return 'bad_request';
}

/** Seconds or an HTTP date, as Retry-After allows; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const seconds = Number(v);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Builds the error for an HTTP answer that was not a success. */
export function httpError(
  endpoint: string,
  status: number,
  body: unknown,
  retryAfter: string | string[] | undefined,
): BotError {
  const env = readEnvelope(body);
  const upstreamMessage = env.message ? cleanMessage(env.message) : undefined;
  const kind = kindFor(status, env);
  return new BotError(
    kind,
    `${endpoint} answered ${status}${upstreamMessage ? `: ${upstreamMessage}` : ''}`,
    {
      status,
      upstreamMessage,
      code: env.code,
      retryAfterMs: parseRetryAfter(retryAfter),
      endpoint,
    },
  );
}

/** An error the gateway reported inside a successful answer (a billing 200, an SSE error line). */
export function bodyError(endpoint: string, body: unknown, status = 200): BotError {
  const env = readEnvelope(body);
  const upstreamMessage = env.message ? cleanMessage(env.message) : 'unknown error';
  const kind = kindFor(status === 200 ? 500 : status, env);
  return new BotError(kind, `${endpoint} reported an error: ${upstreamMessage}`, {
    status,
    upstreamMessage,
    code: env.code,
    endpoint,
  });
}

/** Midjourney submit codes other than accepted (1, 21, 22). */
export function mjSubmitError(endpoint: string, code: number, description: string): BotError {
  const kind: ErrorKind =
    code === 24 || code === 4
      ? QUOTA_CODES.test(description)
        ? 'quota'
        : 'bad_request'
      : code === 23 || code === 30
        ? 'rate_limit'
        : code === 3
          ? 'not_found'
          : 'upstream';
  const upstreamMessage = cleanMessage(description) || `code ${code}`;
  return new BotError(kind, `${endpoint} refused the task (code ${code}): ${upstreamMessage}`, {
    upstreamMessage,
    code,
    endpoint,
  });
}
