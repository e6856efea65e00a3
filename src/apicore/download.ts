import type { AudioFile, CallOptions } from '../core/apicore.js';
import { BotError } from '../errors.js';
import { type ApiCoreTransport, discard } from './transport.js';

/** Redirects followed for one download (a 6th is an error). */
export const MAX_REDIRECTS = 5;

export interface DownloadOptions extends CallOptions {
  /** The largest body accepted, checked on Content-Length and while reading. */
  maxBytes?: number;
}

/**
 * Result files (images, audio, video) the gateway linked to. Redirects are followed one hop at a
 * time (at most 5, http(s) only), with the same size limit for the final body. The key goes only
 * to the gateway's own origin, and never again once a redirect has left it.
 */
export class DownloadApi {
  readonly #t: ApiCoreTransport;

  constructor(transport: ApiCoreTransport) {
    this.#t = transport;
  }

  async download(url: string, opts: DownloadOptions = {}): Promise<AudioFile> {
    const max = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    let current = new URL(url);
    let leftGateway = current.origin !== this.#t.origin;
    for (let hop = 0; ; hop++) {
      const res = await this.#t.send('GET', current.href, {
        signal: opts.signal,
        absoluteUrl: current.href,
        idempotent: true,
        manualRedirects: true,
        withKey: !leftGateway,
      });
      const where = res.statusCode >= 300 && res.statusCode < 400 ? res.headers.location : undefined;
      if (where !== undefined) {
        discard(res.body);
        const location = Array.isArray(where) ? where[0] : where;
        let next: URL;
        try {
          next = new URL(String(location), current);
        } catch (cause) {
          throw new BotError('protocol', `GET ${current.pathname} redirected to an invalid address`, {
            cause,
          });
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:')
          throw new BotError('protocol', `GET ${current.pathname} redirected to a ${next.protocol} address`);
        if (hop + 1 > MAX_REDIRECTS)
          throw new BotError(
            'protocol',
            `GET ${new URL(url).pathname} redirected more than ${MAX_REDIRECTS} times`,
            {
              code: 'too_many_redirects',
            },
          );
        if (next.origin !== this.#t.origin) leftGateway = true;
        current = next;
        continue;
      }
      return this.#read(res, current, max, opts.signal);
    }
  }

  async #read(
    res: Awaited<ReturnType<ApiCoreTransport['send']>>,
    url: URL,
    max: number,
    signal: AbortSignal | undefined,
  ): Promise<AudioFile> {
    const declared = Number(res.headers['content-length']);
    const tooLarge = () =>
      new BotError('bad_request', `the file at ${url.pathname} is larger than ${max} bytes`, {
        code: 'too_large',
      });
    if (Number.isFinite(declared) && declared > max) {
      discard(res.body);
      throw tooLarge();
    }
    const parts: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > max) {
          discard(res.body);
          throw tooLarge();
        }
        parts.push(chunk as Buffer);
      }
    } catch (error) {
      throw this.#t.error(`GET ${url.pathname}`, error, signal);
    }
    return {
      data: new Uint8Array(Buffer.concat(parts)),
      mime: String(res.headers['content-type'] ?? '').split(';')[0]!,
    };
  }
}
