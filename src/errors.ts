/**
 * One error family for the whole bot. `kind` says what went wrong in words a handler can act on;
 * the router turns it into a short message in the user's language.
 */
export type ErrorKind =
  | 'auth' // the APICore key was refused
  | 'quota' // the key or the user has no budget left
  | 'rate_limit' // 429: slow down, retry later
  | 'overloaded' // 529 / overloaded_error: the model's provider is busy, retry later
  | 'content_policy' // refused by a content filter or safety system
  | 'bad_request' // the request was refused as invalid
  | 'not_found' // unknown model, task or route
  | 'upstream' // the gateway or its upstream failed (5xx, task failure)
  | 'timeout' // no answer in time
  | 'network' // connection refused, reset, DNS
  | 'protocol' // the answer did not have the expected shape (malformed SSE, cut stream)
  | 'input' // the user's input cannot be used (empty prompt, wrong file type, too large)
  | 'cancelled'; // the caller aborted

export interface BotErrorOptions {
  status?: number | undefined;
  /** The upstream's own message, without request-id noise. */
  upstreamMessage?: string | undefined;
  /** The upstream's own code (string or number), when it gave one. */
  code?: string | number | undefined;
  /** Milliseconds to wait before retrying, when the upstream said so. */
  retryAfterMs?: number | undefined;
  endpoint?: string | undefined;
  cause?: unknown;
  /** The user's message key, for `input` errors raised by commands. */
  userMessage?: { en: string; zh: string } | undefined;
}

export class BotError extends Error {
  override readonly name = 'BotError';
  readonly kind: ErrorKind;
  readonly status: number | undefined;
  readonly upstreamMessage: string | undefined;
  readonly code: string | number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly endpoint: string | undefined;
  readonly userMessage: { en: string; zh: string } | undefined;

  constructor(kind: ErrorKind, message: string, options: BotErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.status = options.status;
    this.upstreamMessage = options.upstreamMessage;
    this.code = options.code;
    this.retryAfterMs = options.retryAfterMs;
    this.endpoint = options.endpoint;
    this.userMessage = options.userMessage;
  }

  /** True when the same idempotent call may succeed if tried again later. */
  get retryable(): boolean {
    return (
      this.kind === 'rate_limit' ||
      this.kind === 'overloaded' ||
      this.kind === 'network' ||
      (this.kind === 'upstream' && this.status !== undefined && this.status >= 500)
    );
  }
}

/** An error a command raises about the user's input, shown to them as it is. */
export function inputError(en: string, zh: string): BotError {
  return new BotError('input', en, { userMessage: { en, zh } });
}

export function isBotError(e: unknown): e is BotError {
  return e instanceof BotError;
}
