import type { CallOptions, KeyUsage } from '../core/apicore.js';
import { bodyError } from './errors.js';
import type { ApiCoreTransport } from './transport.js';

/** The gateway's dashboard reports an unlimited key as this limit. */
const UNLIMITED_LIMIT = 100_000_000;

/** The key's balance from the legacy OpenAI billing routes (which report errors with HTTP 200). */
export class BillingApi {
  readonly #t: ApiCoreTransport;

  constructor(transport: ApiCoreTransport) {
    this.#t = transport;
  }

  async keyUsage(opts: CallOptions = {}): Promise<KeyUsage> {
    const read = async (path: string) => {
      const body = (await this.#t.json('GET', path, { ...opts, idempotent: true })) as Record<
        string,
        unknown
      >;
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
}
