import type { Readable } from 'node:stream';
import { Agent, type Dispatcher, request } from 'undici';

/**
 * The pool for file downloads (user files, audio covers). Passing it explicitly matters: a bare
 * `undici.request` installs undici 7's pool as the process-wide default, which discord.js's
 * bundled undici 6 then picks up and fails on ("action is not a function") when uploading.
 */
export const downloadPool = new Agent({ keepAliveTimeout: 10_000, connect: { timeout: 10_000 } });

/** How long an idle Bot API connection is kept for the next call. */
const BOT_API_KEEP_ALIVE_MS = 30_000;
const BOT_API_CONNECT_TIMEOUT_MS = 10_000;

/**
 * One keep-alive pool for every Bot API call. No undici timeouts: grammY's own `timeoutSeconds`
 * (and the connection's deadlines) abort a call, as they did over node-fetch, and a long poll holds
 * its request open for as long as it asked.
 */
export function createBotApiPool(): Dispatcher {
  return new Agent({
    keepAliveTimeout: BOT_API_KEEP_ALIVE_MS,
    connect: { timeout: BOT_API_CONNECT_TIMEOUT_MS },
    headersTimeout: 0,
    bodyTimeout: 0,
  });
}

/** What grammY's client reads of a fetch answer: it only ever calls `json()`. */
interface BotApiResponse {
  readonly ok: boolean;
  readonly status: number;
  json(): Promise<unknown>;
  text(): Promise<string>;
}

/**
 * grammY's `client.fetch` over undici's `request` and one keep-alive pool. grammY's default is
 * node-fetch, which costs about 1.5 times the CPU per call (a WHATWG Request/Headers/Body per call, a
 * URL parse, node:http's agent) and keeps no connection alive to a plain-http Bot API server. grammY
 * hands it a JSON string or a multipart stream (uploads), its headers and an abort signal, and
 * only reads `json()` of the answer, so undici's `request` (not its heavier `fetch`) is enough.
 */
export function undiciFetch(dispatcher: Dispatcher = createBotApiPool()): typeof fetch {
  const call = async (url: string | URL, init: RequestInit = {}): Promise<BotApiResponse> => {
    const res = await request(url, {
      dispatcher,
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: (init.headers ?? {}) as Record<string, string>,
      body: (init.body ?? null) as string | Buffer | Readable | null,
      ...(init.signal ? { signal: init.signal } : {}),
    });
    return {
      ok: res.statusCode >= 200 && res.statusCode < 300,
      status: res.statusCode,
      json: () => res.body.json(),
      text: () => res.body.text(),
    };
  };
  return call as unknown as typeof fetch;
}
