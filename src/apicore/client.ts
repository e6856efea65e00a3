import { Agent, type Dispatcher, FormData, request } from 'undici';
import type {
  ApiCore,
  AudioFile,
  CallOptions,
  ChatRequest,
  ChatResult,
  ClaudeRequest,
  GeneratedImage,
  ImageRequest,
  KeyUsage,
  MjImagine,
  MjTask,
  ModelInfo,
  SpeechRequest,
  StreamEvent,
  SunoMusic,
  SunoTask,
  ToolCall,
  TranscriptionRequest,
} from '../core/apicore.js';
import { BotError } from '../errors.js';
import { bodyError, httpError, mjSubmitError } from './errors.js';
import { chatStreamEvents, claudeStreamEvents, openAiUsage, sseMessages } from './sse.js';
import { toMjTask, toSunoTask } from './tasks.js';

/** Waiting for the first byte of an answer, and between two chunks of a stream. */
const STREAM_IDLE_TIMEOUT_MS = 90_000;
const CONNECT_TIMEOUT_MS = 10_000;
const KEEP_ALIVE_TIMEOUT_MS = 30_000;
/** The gateway's dashboard reports an unlimited key as this limit. */
const UNLIMITED_LIMIT = 100_000_000;
const MJ_ACCEPTED = new Set([1, 21, 22]);
/** How long the model list is reused. */
const MODELS_CACHE_MS = 60_000;
/** The longest Retry-After we wait out before retrying; independent of the backoff settings. */
const MAX_RETRY_AFTER_MS = 30_000;

export interface RetryPolicy {
  /** Total tries for an idempotent call, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface ApiCoreClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Injected for tests and to share one keep-alive pool; one Agent is made otherwise. */
  dispatcher?: Dispatcher;
  /** Total time for a call that is not streamed; also the longest a stream may stay silent. */
  timeoutMs?: number;
  /** Idle time allowed while waiting for a stream's headers or its next chunk (at most `timeoutMs`). */
  streamIdleTimeoutMs?: number;
  retry?: RetryPolicy;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** How long the model list is reused (0 asks every time). */
  modelsCacheMs?: number;
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

interface SendOptions extends CallOptions {
  json?: unknown;
  form?: FormData;
  /** Safe to send again: GETs and task fetches. Submits and chats are never repeated. */
  idempotent?: boolean;
  stream?: boolean;
  absoluteUrl?: string;
}

/**
 * Drops a response body we will not read to the end. undici destroys an unfinished body with a
 * RequestAbortedError 'error' event; without a listener that is an uncaught exception.
 */
function discard(body: Dispatcher.ResponseData['body']): void {
  if (body.destroyed) return;
  body.on('error', () => {});
  body.destroy();
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
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
 * The APICore client: typed methods over undici with one keep-alive pool, a timeout on every
 * request, AbortSignal cancellation, and retries (backoff with jitter, Retry-After honoured) for
 * idempotent calls only.
 */
export class ApiCoreClient implements ApiCore {
  readonly #base: string;
  readonly #origin: string;
  readonly #key: string;
  readonly #dispatcher: Dispatcher;
  readonly #timeoutMs: number;
  readonly #idleMs: number;
  readonly #retry: RetryPolicy;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #random: () => number;
  #models: { list: ModelInfo[]; until: number } | undefined;
  readonly #modelsCacheMs: number;

  constructor(options: ApiCoreClientOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, '');
    this.#origin = new URL(this.#base).origin;
    this.#key = options.apiKey;
    this.#dispatcher = options.dispatcher ?? createDispatcher();
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    // A stream that says nothing for longer than a whole call may take has timed out too.
    this.#idleMs = options.streamIdleTimeoutMs ?? Math.min(STREAM_IDLE_TIMEOUT_MS, this.#timeoutMs);
    this.#retry = options.retry ?? { attempts: 3, baseDelayMs: 500, maxDelayMs: 8_000 };
    this.#sleep = options.sleep ?? defaultSleep;
    this.#random = options.random ?? Math.random;
    this.#modelsCacheMs = options.modelsCacheMs ?? MODELS_CACHE_MS;
  }

  /** Closes the keep-alive pool. */
  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  // ---------- transport ----------

  async #send(
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
        const e = error instanceof BotError ? error : this.#transportError(endpoint, error, options.signal);
        if (attempt >= attempts || !e.retryable || options.signal?.aborted) throw e;
        try {
          await this.#sleep(this.#backoff(attempt, e.retryAfterMs), options.signal);
        } catch (cause) {
          // An abort during the backoff rejects with the signal's reason, not a BotError.
          throw this.#transportError(endpoint, cause, options.signal);
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
    const url = options.absoluteUrl ?? `${this.#base}${path}`;
    const sameOrigin = new URL(url).origin === this.#origin;
    const headers: Record<string, string> = {
      accept: options.stream ? 'text/event-stream' : 'application/json',
    };
    // The key goes to the gateway only, never to a CDN that a result links to.
    if (sameOrigin) headers.authorization = `Bearer ${this.#key}`;
    let body: string | FormData | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      body = options.form;
    }
    const signals = [
      options.signal,
      options.stream ? undefined : AbortSignal.timeout(this.#timeoutMs),
    ].filter((s): s is AbortSignal => s !== undefined);
    const signal =
      signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method,
        headers,
        body: body ?? null,
        dispatcher: this.#dispatcher,
        headersTimeout: this.#idleMs,
        bodyTimeout: this.#idleMs,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      throw this.#transportError(endpoint, error, options.signal);
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    let parsed: unknown;
    try {
      const text = await res.body.text();
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    throw httpError(endpoint, res.statusCode, parsed, res.headers['retry-after']);
  }

  #transportError(endpoint: string, error: unknown, userSignal: AbortSignal | undefined): BotError {
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

  async #json(method: 'GET' | 'POST', path: string, options: SendOptions = {}): Promise<unknown> {
    const endpoint = `${method} ${path}`;
    const res = await this.#send(method, path, options);
    const text = await res.body.text().catch((cause: unknown) => {
      throw this.#transportError(endpoint, cause, options.signal);
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

  async *#stream(
    path: string,
    json: unknown,
    kind: 'chat' | 'claude',
    opts: CallOptions,
  ): AsyncGenerator<StreamEvent> {
    const endpoint = `POST ${path}`;
    const res = await this.#send('POST', path, { json, stream: true, signal: opts.signal });
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
          {
            endpoint,
            cause,
          },
        );
      }
      if (body && typeof body === 'object' && 'error' in body) throw bodyError(endpoint, body);
      throw new BotError('protocol', `${endpoint} answered JSON to a stream request`, { endpoint });
    }
    const messages = sseMessages(res.body);
    const events =
      kind === 'chat' ? chatStreamEvents(endpoint, messages) : claudeStreamEvents(endpoint, messages);
    try {
      yield* events;
    } catch (error) {
      if (error instanceof BotError) throw error;
      const e = this.#transportError(endpoint, error, opts.signal);
      // The gateway was reached and had started answering: a cut is a broken answer, not a network outage.
      throw e.kind === 'network'
        ? new BotError('protocol', `${endpoint} stream was cut`, { endpoint, cause: error })
        : e;
    } finally {
      discard(res.body);
    }
  }

  // ---------- models and chat ----------

  async listModels(opts: CallOptions = {}): Promise<ModelInfo[]> {
    // Autocomplete asks on every keystroke; the list changes rarely.
    if (this.#models && this.#models.until > Date.now()) return this.#models.list;
    const list = await this.#fetchModels(opts);
    this.#models = { list, until: Date.now() + this.#modelsCacheMs };
    return list;
  }

  async #fetchModels(opts: CallOptions): Promise<ModelInfo[]> {
    const body = (await this.#json('GET', '/v1/models', { ...opts, idempotent: true })) as { data?: unknown };
    if (!Array.isArray(body.data))
      throw new BotError('protocol', 'GET /v1/models answered without a data list');
    return body.data
      .map((m) => m as { id?: unknown; owned_by?: unknown })
      .filter((m) => typeof m.id === 'string')
      .map((m) => ({ id: m.id as string, ownedBy: typeof m.owned_by === 'string' ? m.owned_by : undefined }));
  }

  async chat(req: ChatRequest, opts: CallOptions = {}): Promise<ChatResult> {
    const body = (await this.#json('POST', '/v1/chat/completions', {
      ...opts,
      json: { ...req, stream: false },
    })) as Record<string, unknown>;
    if (body.error) throw bodyError('POST /v1/chat/completions', body);
    const choice = ((Array.isArray(body.choices) ? body.choices[0] : undefined) ?? {}) as Record<
      string,
      unknown
    >;
    // Suno's chat mode puts a non-stream answer in `delta`, not `message`.
    const message = (choice.message ?? choice.delta ?? {}) as Record<string, unknown>;
    const reasoning = message.reasoning_content || message.reasoning;
    return {
      text: typeof message.content === 'string' ? message.content : '',
      reasoning: typeof reasoning === 'string' ? reasoning : '',
      toolCalls: Array.isArray(message.tool_calls) ? (message.tool_calls as ToolCall[]) : [],
      finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
      usage:
        body.usage && typeof body.usage === 'object'
          ? openAiUsage(body.usage as Record<string, unknown>)
          : undefined,
      model: typeof body.model === 'string' ? body.model : req.model,
    };
  }

  chatStream(req: ChatRequest, opts: CallOptions = {}): AsyncIterable<StreamEvent> {
    const json = { ...req, stream: true, stream_options: { include_usage: true } };
    return this.#stream('/v1/chat/completions', json, 'chat', opts);
  }

  claudeStream(req: ClaudeRequest, opts: CallOptions = {}): AsyncIterable<StreamEvent> {
    return this.#stream('/v1/messages', { ...req, stream: true }, 'claude', opts);
  }

  // ---------- images and audio ----------

  async generateImages(req: ImageRequest, opts: CallOptions = {}): Promise<GeneratedImage[]> {
    const body = (await this.#json('POST', '/v1/images/generations', { ...opts, json: req })) as Record<
      string,
      unknown
    >;
    if (body.error) throw bodyError('POST /v1/images/generations', body);
    const data = Array.isArray(body.data) ? (body.data as Record<string, unknown>[]) : [];
    const images = data.flatMap((d): GeneratedImage[] => {
      const revised = typeof d.revised_prompt === 'string' ? { revisedPrompt: d.revised_prompt } : {};
      if (typeof d.b64_json === 'string' && d.b64_json)
        return [{ data: Buffer.from(d.b64_json, 'base64'), ...revised }];
      if (typeof d.url === 'string' && d.url) return [{ url: d.url, ...revised }];
      return [];
    });
    if (images.length === 0)
      throw new BotError('protocol', 'POST /v1/images/generations answered without images');
    return images;
  }

  async speech(req: SpeechRequest, opts: CallOptions = {}): Promise<AudioFile> {
    const res = await this.#send('POST', '/v1/audio/speech', { ...opts, json: req });
    const data = new Uint8Array(await res.body.arrayBuffer());
    return { data, mime: String(res.headers['content-type'] ?? 'audio/mpeg').split(';')[0]! };
  }

  async transcribe(req: TranscriptionRequest, opts: CallOptions = {}): Promise<string> {
    const form = new FormData();
    form.set('file', new Blob([req.file], { type: req.mime }), req.filename);
    form.set('model', req.model);
    if (req.language) form.set('language', req.language);
    const body = (await this.#json('POST', '/v1/audio/transcriptions', { ...opts, form })) as Record<
      string,
      unknown
    >;
    if (typeof body.text !== 'string') throw bodyError('POST /v1/audio/transcriptions', body);
    return body.text;
  }

  async keyUsage(opts: CallOptions = {}): Promise<KeyUsage> {
    const read = async (path: string) => {
      const body = (await this.#json('GET', path, { ...opts, idempotent: true })) as Record<string, unknown>;
      // The billing routes report errors with HTTP 200.
      if (body.error) throw bodyError(`GET ${path}`, body);
      return body;
    };
    const [sub, usage] = await Promise.all([
      read('/v1/dashboard/billing/subscription'),
      read('/v1/dashboard/billing/usage'),
    ]);
    const limit = Number(sub.hard_limit_usd) || 0;
    const used = (Number(usage.total_usage) || 0) / 100;
    const expires = Number(sub.access_until) || 0;
    return {
      limit,
      used,
      remaining: Math.max(0, limit - used),
      unlimited: limit >= UNLIMITED_LIMIT,
      expiresAt: expires > 0 ? expires : undefined,
    };
  }

  async download(url: string, opts: CallOptions & { maxBytes?: number } = {}): Promise<AudioFile> {
    const res = await this.#send('GET', url, { ...opts, absoluteUrl: url, idempotent: true });
    const max = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    const declared = Number(res.headers['content-length']);
    const tooLarge = () =>
      new BotError('bad_request', `the file at ${new URL(url).pathname} is larger than ${max} bytes`, {
        code: 'too_large',
      });
    if (Number.isFinite(declared) && declared > max) {
      discard(res.body);
      throw tooLarge();
    }
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > max) {
        discard(res.body);
        throw tooLarge();
      }
      parts.push(chunk as Buffer);
    }
    return {
      data: new Uint8Array(Buffer.concat(parts)),
      mime: String(res.headers['content-type'] ?? '').split(';')[0]!,
    };
  }

  // ---------- Midjourney ----------

  async #mjSubmit(path: string, json: unknown, opts: CallOptions): Promise<string> {
    const body = (await this.#json('POST', path, { ...opts, json })) as Record<string, unknown>;
    const code = Number(body.code);
    const id = typeof body.result === 'string' || typeof body.result === 'number' ? String(body.result) : '';
    if (MJ_ACCEPTED.has(code) && id) return id;
    throw mjSubmitError(`POST ${path}`, code, typeof body.description === 'string' ? body.description : '');
  }

  mjImagine(req: MjImagine, opts: CallOptions = {}): Promise<string> {
    return this.#mjSubmit('/mj/submit/imagine', req, opts);
  }

  mjDescribe(imageDataUrl: string, opts: CallOptions = {}): Promise<string> {
    return this.#mjSubmit('/mj/submit/describe', { base64: imageDataUrl }, opts);
  }

  mjAction(taskId: string, customId: string, opts: CallOptions = {}): Promise<string> {
    return this.#mjSubmit('/mj/submit/action', { taskId, customId }, opts);
  }

  mjBlend(
    imageDataUrls: string[],
    dimensions: 'PORTRAIT' | 'SQUARE' | 'LANDSCAPE',
    opts: CallOptions = {},
  ): Promise<string> {
    return this.#mjSubmit('/mj/submit/blend', { base64Array: imageDataUrls, dimensions }, opts);
  }

  async mjFetch(taskId: string, opts: CallOptions = {}): Promise<MjTask> {
    const path = `/mj/task/${encodeURIComponent(taskId)}/fetch`;
    const body = await this.#json('GET', path, { ...opts, idempotent: true });
    if (!body || typeof body !== 'object')
      throw new BotError('not_found', `task ${taskId} not found`, { code: 'task_not_found' });
    return toMjTask(body);
  }

  async mjFetchMany(taskIds: string[], opts: CallOptions = {}): Promise<MjTask[]> {
    if (taskIds.length === 0) return [];
    const body = await this.#json('POST', '/mj/task/list-by-condition', {
      ...opts,
      json: { ids: taskIds },
      idempotent: true,
    });
    if (!Array.isArray(body))
      throw new BotError('protocol', 'POST /mj/task/list-by-condition did not answer a list');
    return body.map(toMjTask);
  }

  // ---------- Suno ----------

  async #sunoSubmit(path: string, json: unknown, opts: CallOptions): Promise<string> {
    const body = (await this.#json('POST', path, { ...opts, json })) as Record<string, unknown>;
    if (body.code !== 'success' || (typeof body.data !== 'string' && typeof body.data !== 'number')) {
      throw bodyError(
        `POST ${path}`,
        { error: { message: body.message ?? 'task refused', code: body.code } },
        400,
      );
    }
    return String(body.data);
  }

  sunoMusic(req: SunoMusic, opts: CallOptions = {}): Promise<string> {
    return this.#sunoSubmit('/suno/submit/music', req, opts);
  }

  sunoLyrics(prompt: string, opts: CallOptions = {}): Promise<string> {
    return this.#sunoSubmit('/suno/submit/lyrics', { prompt }, opts);
  }

  async sunoFetch(taskId: string, opts: CallOptions = {}): Promise<SunoTask> {
    const path = `/suno/fetch/${encodeURIComponent(taskId)}`;
    const body = (await this.#json('GET', path, { ...opts, idempotent: true })) as Record<string, unknown>;
    if (body.code !== 'success' || !body.data) throw bodyError(`GET ${path}`, body, 404);
    return toSunoTask(body.data);
  }

  async sunoFetchMany(taskIds: string[], opts: CallOptions = {}): Promise<SunoTask[]> {
    if (taskIds.length === 0) return [];
    const body = (await this.#json('POST', '/suno/fetch', {
      ...opts,
      json: { ids: taskIds },
      idempotent: true,
    })) as Record<string, unknown>;
    if (body.code !== 'success' || !Array.isArray(body.data)) throw bodyError('POST /suno/fetch', body, 500);
    return body.data.map(toSunoTask);
  }
}
