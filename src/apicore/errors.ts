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
const RATE_LIMIT_CODES = /rate_?limit|too_many_requests|requests_limit/i;
const OVERLOADED_CODES = /overloaded|server_busy|engine_overloaded|capacity/i;
const AUTH_CODES =
  /invalid_api_key|invalid_token|authentication_error|permission_error|unauthori[sz]ed|access_denied|token_expired/i;
const CONTENT_POLICY_CODES =
  /content_policy|content_filter|content_management|safety|moderation|prompt_blocked|sensitive_words|responsible_ai|data_inspection_failed/i;
/** HTTP 529: Anthropic's (and some gateways') "overloaded". */
const HTTP_OVERLOADED = 529;

/**
 * The kind an error's own code or type names, whatever the HTTP status: an error inside a 200
 * stream, or a status that says less than the code (a 400 carrying `rate_limit_exceeded`).
 */
function kindByCode(env: Envelope): ErrorKind | undefined {
  const code = `${env.code ?? ''} ${env.type ?? ''}`;
  if (QUOTA_CODES.test(code) || QUOTA_CODES.test(env.message ?? '')) return 'quota';
  if (RATE_LIMIT_CODES.test(code)) return 'rate_limit';
  if (OVERLOADED_CODES.test(code)) return 'overloaded';
  if (AUTH_CODES.test(code)) return 'auth';
  if (CONTENT_POLICY_CODES.test(code)) return 'content_policy';
  if (NOT_FOUND_CODES.test(code)) return 'not_found';
  // Midjourney: 23 queue full, 30 rate limited, whatever the HTTP status.
  if (env.code === 23 || env.code === 30) return 'rate_limit';
  return undefined;
}

/** When neither code nor status says (an error line inside a stream): what its words say. */
function kindByMessage(message: string | undefined): ErrorKind | undefined {
  if (!message) return undefined;
  if (/rate.?limit|too many requests|请求过于频繁|负载已饱和/i.test(message)) return 'rate_limit';
  if (/overloaded|过载/i.test(message)) return 'overloaded';
  return undefined;
}

function kindByStatus(status: number): ErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 402) return 'quota';
  if (status === 429) return 'rate_limit';
  if (status === HTTP_OVERLOADED) return 'overloaded';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'upstream';
  return 'bad_request';
}

/** Code/type first, then (for errors without a telling status) the message, then the status. */
function kindFor(status: number | undefined, env: Envelope): ErrorKind {
  return (
    kindByCode(env) ??
    (status === undefined ? kindByMessage(env.message) : undefined) ??
    kindByStatus(status ?? 500)
  );
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
  // An error inside a 200 (a stream, a billing answer) has no status that means anything.
  const kind = kindFor(status === 200 ? undefined : status, env);
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
