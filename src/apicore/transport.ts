import { Agent, type Dispatcher, type FormData, request } from 'undici';
import { linkedController, systemTimers, type Timers } from '../core/abort.js';
import type { CallOptions, StreamEvent } from '../core/apicore.js';
import type { Metrics } from '../core/metrics.js';
import { BotError } from '../errors.js';
import { bodyError, httpError } from './errors.js';
import { streamEvents } from './sse.js';
import { OpenOnFirstRead } from './sse-reader.js';
import {
  DEFAULT_REASONING_IDLE_MS,
  DEFAULT_REASONING_TIMEOUT_MS,
  DEFAULT_STREAM_IDLE_MS,
  DEFAULT_TIMEOUT_MS,
} from './timeouts.js';

const CONNECT_TIMEOUT_MS = 10_000;
const KEEP_ALIVE_TIMEOUT_MS = 30_000;
/** The longest Retry-After we wait out before retrying; independent of the backoff settings. */
const MAX_RETRY_AFTER_MS = 30_000;

export interface RetryPolicy {
  /** Total tries for an idempotent call, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface TransportOptions {
  baseUrl: string;
  apiKey: string;
  /** Injected for tests and to share one keep-alive pool; one Agent is made otherwise. */
  dispatcher?: Dispatcher | undefined;
  /** Total time (headers and body) for a call that is not streamed. Default 120 s. */
  timeoutMs?: number | undefined;
  /** Longest silence of a stream: waiting for its headers, or between two chunks. Default 90 s. */
  streamIdleTimeoutMs?: number | undefined;
  /** The least idle limit for a reasoning model's stream (o-series, gpt-5, R1, thinking). Default 300 s. */
  reasoningIdleTimeoutMs?: number | undefined;
  /** The least total time for a reasoning model's non-streamed call (o3-pro). Default 600 s. */
  reasoningTimeoutMs?: number | undefined;
  retry?: RetryPolicy | undefined;
  sleep?: Sleep | undefined;
  random?: (() => number) | undefined;
  /** Clock for the whole-call deadline of non-streamed calls (tests run a manual or scaled clock). */
  timers?: Timers | undefined;
  /** Counts failed calls by kind for /metrics. */
  metrics?: Pick<Metrics, 'upstreamError'> | undefined;
}

/** One shared keep-alive pool for every APICore call and result download. */
export function createDispatcher(): Dispatcher {
  return new Agent({
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // No cap on connections per origin: every streamed answer holds one for its whole length,
    // and a cap would queue the 65th chat behind the others.
    connections: null,
    connect: { timeout: CONNECT_TIMEOUT_MS },
  });
}

export interface SendOptions extends CallOptions {
  json?: unknown;
  form?: FormData;
  /** Safe to send again: GETs and task fetches. Submits and chats are never repeated. */
  idempotent?: boolean;
  stream?: boolean;
  absoluteUrl?: string;
  /** Total time for this call when not streamed (default: the transport's `timeoutMs`). */
  timeoutMs?: number;
  /** Idle limit for this stream (default: the transport's `streamIdleTimeoutMs`). */
  idleMs?: number;
  /** Hand 3xx answers back instead of failing on them (downloads follow them one hop at a time). */
  manualRedirects?: boolean;
  /** `false` never sends the key. Even when true the key goes to the gateway's origin only. */
  withKey?: boolean;
  /**
   * Extra request headers a family's API asks for (Runway's `X-Runway-Version`). They never replace
   * the ones the transport owns: `authorization` (the key, gateway origin only) and `content-type`.
   */
  headers?: Record<string, string>;
}

/** Headers only the transport sets; a family's `headers` cannot override them. */
const OWNED_HEADERS = new Set(['authorization', 'content-type']);

/**
 * Drops a response body we will not read to the end. undici destroys an unfinished body with a
 * RequestAbortedError 'error' event; without a listener that is an uncaught exception.
 */
export function discard(body: Dispatcher.ResponseData['body']): void {
  if (body.destroyed) return;
  body.on('error', () => {});
  body.destroy();
}

export const defaultSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * The wire under every APICore family: one keep-alive pool, the key sent to the gateway's origin
 * only, a whole-call deadline (headers and body) for calls that are not streamed, an idle limit
 * for streams, cancellation through a per-request linked controller, and retries (backoff with
 * jitter, Retry-After honoured) for idempotent calls only. Family modules build on `send`,
 * `json` and `stream`.
 */
export class ApiCoreTransport {
  readonly base: string;
  readonly origin: string;
  readonly timeoutMs: number;
  readonly idleMs: number;
  readonly reasoningIdleMs: number;
  readonly reasoningTimeoutMs: number;
  readonly #key: string;
  readonly #dispatcher: Dispatcher;
  readonly #retry: RetryPolicy;
  readonly #sleep: Sleep;
  readonly #random: () => number;
  readonly #timers: Timers;
  readonly #metrics: TransportOptions['metrics'];

  constructor(options: TransportOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.origin = new URL(this.base).origin;
    this.#key = options.apiKey;
    this.#dispatcher = options.dispatcher ?? createDispatcher();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.idleMs = options.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_MS;
    this.reasoningIdleMs = options.reasoningIdleTimeoutMs ?? DEFAULT_REASONING_IDLE_MS;
    this.reasoningTimeoutMs = options.reasoningTimeoutMs ?? DEFAULT_REASONING_TIMEOUT_MS;
    this.#retry = options.retry ?? { attempts: 3, baseDelayMs: 500, maxDelayMs: 8_000 };
    this.#sleep = options.sleep ?? defaultSleep;
    this.#random = options.random ?? Math.random;
    this.#timers = options.timers ?? systemTimers;
    this.#metrics = options.metrics;
  }

  /** Closes the keep-alive pool. */
  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  async send(
    method: 'GET' | 'POST',
    path: string,
    options: SendOptions = {},
  ): Promise<Dispatcher.ResponseData> {
    const endpoint = `${method} ${options.absoluteUrl ? new URL(options.absoluteUrl).pathname : path}`;
    const attempts = options.idempotent ? Math.max(1, this.#retry.attempts) : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#sendOnce(method, path, endpoint, options);
      } catch (error) {
        const e = error instanceof BotError ? error : this.error(endpoint, error, options.signal);
        this.#metrics?.upstreamError(e.kind);
        if (attempt >= attempts || !e.retryable || options.signal?.aborted) throw e;
        try {
          await this.#sleep(this.#backoff(attempt, e.retryAfterMs), options.signal);
        } catch (cause) {
          // An abort during the backoff rejects with the signal's reason, not a BotError.
          throw this.error(endpoint, cause, options.signal);
        }
      }
    }
  }

  async #sendOnce(
    method: 'GET' | 'POST',
    path: string,
    endpoint: string,
    options: SendOptions,
  ): Promise<Dispatcher.ResponseData> {
    const url = options.absoluteUrl ?? `${this.base}${path}`;
    const sameOrigin = new URL(url).origin === this.origin;
    const headers: Record<string, string> = {
      accept: options.stream ? 'text/event-stream' : 'application/json',
    };
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      const key = name.toLowerCase();
      if (!OWNED_HEADERS.has(key)) headers[key] = value;
    }
    // The key goes to the gateway only, never to a CDN that a result links to.
    if (sameOrigin && options.withKey !== false) headers.authorization = `Bearer ${this.#key}`;
    let body: string | FormData | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      body = options.form;
    }
    // Streams are bounded by their idle limit; everything else by one deadline over headers AND body.
    const deadline = options.stream ? undefined : (options.timeoutMs ?? this.timeoutMs);
    const idle = options.idleMs ?? this.idleMs;
    const link = linkedController([options.signal], { timeoutMs: deadline, timers: this.#timers });
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method,
        headers,
        body: body ?? null,
        dispatcher: this.#dispatcher,
        // For calls that are not streamed these are only a backstop on the real clock.
        headersTimeout: deadline ?? idle,
        bodyTimeout: deadline ?? idle,
        signal: link.signal,
      });
    } catch (error) {
      link.dispose();
      throw this.error(endpoint, error, options.signal);
    }
    // The deadline (and the caller's signal) still guard the body; let go when it is finished.
    res.body.once('close', link.dispose);
    res.body.once('end', link.dispose);
    res.body.once('error', link.dispose);
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    if (options.manualRedirects && res.statusCode >= 300 && res.statusCode < 400 && res.headers.location)
      return res;
    let parsed: unknown;
    try {
      const text = await res.body.text();
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    throw httpError(endpoint, res.statusCode, parsed, res.headers['retry-after']);
  }

  /** Maps a transport failure (undici error, abort, timeout) to a BotError. */
  error(endpoint: string, error: unknown, userSignal: AbortSignal | undefined): BotError {
    if (error instanceof BotError) return error;
    if (userSignal?.aborted)
      return new BotError('cancelled', `${endpoint} was cancelled`, { endpoint, cause: error });
    const code = (error as { code?: string; name?: string })?.code ?? '';
    const name = (error as { name?: string })?.name ?? '';
    if (name === 'TimeoutError' || /TIMEOUT/.test(code) || (name === 'AbortError' && !userSignal?.aborted)) {
      return new BotError('timeout', `${endpoint} did not answer in time`, { endpoint, cause: error });
    }
    return new BotError('network', `${endpoint} could not be reached (${code || name || 'error'})`, {
      endpoint,
      cause: error,
    });
  }

  #backoff(attempt: number, retryAfterMs: number | undefined): number {
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
    const ceiling = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (this.#random() * ceiling) / 2);
  }

  /** A JSON answer, parsed; the deadline covers reading the body too. */
  async json(method: 'GET' | 'POST', path: string, options: SendOptions = {}): Promise<unknown> {
    const endpoint = `${method} ${path}`;
    const res = await this.send(method, path, options);
    const text = await res.body.text().catch((cause: unknown) => {
      throw this.error(endpoint, cause, options.signal);
    });
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new BotError('protocol', `${endpoint} answered with something that is not JSON`, {
        endpoint,
        cause,
      });
    }
  }

  /**
   * A streamed answer as typed events (chat-completions or Claude-native SSE), read straight off
   * the response body (SseEventReader). The request goes when the first event is asked for.
   */
  stream(
    path: string,
    json: unknown,
    kind: 'chat' | 'claude',
    opts: CallOptions & { idleMs?: number },
  ): AsyncIterable<StreamEvent> {
    return {
      [Symbol.asyncIterator]: () => new OpenOnFirstRead(() => this.#openStream(path, json, kind, opts)),
    };
  }

  async #openStream(
    path: string,
    json: unknown,
    kind: 'chat' | 'claude',
    opts: CallOptions & { idleMs?: number },
  ): Promise<AsyncIterator<StreamEvent>> {
    const endpoint = `POST ${path}`;
    const res = await this.send('POST', path, {
      json,
      stream: true,
      signal: opts.signal,
      ...(opts.idleMs !== undefined ? { idleMs: opts.idleMs } : {}),
    });
    const contentType = String(res.headers['content-type'] ?? '');
    if (!contentType.includes('text/event-stream')) {
      // Some gateways answer an error (or a whole answer) as plain JSON even when asked to stream.
      const text = await res.body.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (cause) {
        throw new BotError(
          'protocol',
          `${endpoint} answered ${contentType || 'no content type'} to a stream request`,
          { endpoint, cause },
        );
      }
      if (body && typeof body === 'object' && 'error' in body) throw bodyError(endpoint, body);
      throw new BotError('protocol', `${endpoint} answered JSON to a stream request`, { endpoint });
    }
    const fail = (error: unknown): BotError => {
      this.#metrics?.upstreamError(this.error(endpoint, error, opts.signal).kind);
      if (error instanceof BotError) return error;
      const e = this.error(endpoint, error, opts.signal);
      // The gateway was reached and had started answering: a cut is a broken answer, not a network outage.
      return e.kind === 'network'
        ? new BotError('protocol', `${endpoint} stream was cut`, { endpoint, cause: error })
        : e;
    };
    return streamEvents(kind, endpoint, res.body, fail);
  }
}
