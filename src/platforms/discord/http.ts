import { STATUS_CODES } from 'node:http';
import type { ResponseLike } from 'discord.js';
import { Agent, Headers, request } from 'undici';

/**
 * One connection pool for everything this adapter fetches over HTTP, never the process-wide
 * default: a default dispatcher installed by another part of the process (any `undici.request`
 * without a dispatcher installs one from the project's undici 7) is what @discordjs/rest's
 * bundled undici 6 would otherwise pick up, and undici 7 cannot send the FormData that
 * @discordjs/rest builds for uploads ("action is not a function").
 */
export function createAgent(): Agent {
  return new Agent({ keepAliveTimeout: 10_000, connections: 32 });
}

interface RequestInitLike {
  method?: string | undefined;
  headers?: unknown;
  body?: unknown;
  signal?: AbortSignal | null | undefined;
}

/** Multipart bodies become bytes through the runtime's own Response, which understands its FormData. */
async function encodeBody(
  body: unknown,
  headers: Record<string, string>,
): Promise<string | Uint8Array | null> {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof FormData) {
    const encoded = new Response(body);
    const type = encoded.headers.get('content-type');
    if (type) headers['content-type'] = type;
    return new Uint8Array(await encoded.arrayBuffer());
  }
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError('unsupported request body for the Discord REST client');
}

function plainHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers instanceof globalThis.Headers) {
    headers.forEach((v, k) => {
      out[k] = v;
    });
  } else if (headers && typeof headers === 'object')
    for (const [k, v] of Object.entries(headers as Record<string, unknown>))
      if (v !== undefined) out[k.toLowerCase()] = String(v);
  return out;
}

/** discord.js's `rest.makeRequest`: the same undici request it makes by default, on our own pool. */
export function makeRequestWith(agent: Agent) {
  return async (url: string, init: RequestInitLike): Promise<ResponseLike> => {
    const headers = plainHeaders(init.headers);
    const body = await encodeBody(init.body, headers);
    const res = await request(url, {
      method: (init.method ?? 'GET') as 'GET',
      headers,
      body,
      dispatcher: agent,
      ...(init.signal ? { signal: init.signal } : {}),
    });
    return {
      body: res.body,
      arrayBuffer: () => res.body.arrayBuffer(),
      json: () => res.body.json(),
      text: () => res.body.text(),
      get bodyUsed() {
        return res.body.bodyUsed;
      },
      headers: new Headers(res.headers as Record<string, string>),
      status: res.statusCode,
      statusText: STATUS_CODES[res.statusCode] ?? '',
      ok: res.statusCode >= 200 && res.statusCode < 300,
    } as unknown as ResponseLike;
  };
}
