import KeyvRedis, { type RedisClientConnectionType } from '@keyv/redis';
import Keyv from 'keyv';
import type { Logger } from 'pino';
import type { StoreBackend } from './backend-store.js';
import { openRedis, redactUrl } from './redis-client.js';
import { redisPrimitives } from './redis-primitives.js';

export interface RedisConnectOptions {
  /** Bound on the initial connect + PING; a server that is down, unreachable or mute fails within it. */
  connectTimeoutMs?: number;
  /** Where connection errors after start go (Redis restarts, network blips); silent when absent. */
  log?: Logger;
}

/**
 * One open Redis connection, shared by every keyv namespace and every counter, set and claim made
 * from it. Redis expires keys itself, so `sweep()` has nothing to do and answers 0.
 */
export interface RedisConnection extends StoreBackend {
  keyv<T>(namespace: string): Keyv<T>;
}

export { redactUrl };

/** Keyv's Redis adapter over a client it does not own: refuses to reopen the connection once closed. */
class SharedKeyvRedis<T> extends KeyvRedis<T> {
  constructor(
    client: RedisClientConnectionType,
    namespace: string,
    private readonly isClosed: () => boolean,
  ) {
    super(client, { namespace, throwOnErrors: true, throwOnConnectError: true });
  }
  override async getClient(): ReturnType<KeyvRedis<T>['getClient']> {
    if (this.isClosed()) throw new Error('the Redis store is closed');
    return super.getClient();
  }
}

/**
 * Connects to `redis://` / `rediss://` (optional `/db`) and answers once the server replies to PING,
 * or rejects within `connectTimeoutMs`. The initial connect does not retry; once up, the client
 * reconnects with backoff, and calls made while it is down reject at once.
 */
export async function connectRedis(url: string, options: RedisConnectOptions = {}): Promise<RedisConnection> {
  const where = redactUrl(url);
  const redis = await openRedis(url, {
    ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    onError: (error) => options.log?.warn({ err: error, store: where }, 'redis connection error'),
  });
  const { client } = redis;
  const closed = () => redis.closed;
  // Each keyv adapter adds its own listeners to the shared client: one set per namespace.
  client.setMaxListeners(0);

  const primitives = redisPrimitives(() => {
    if (closed()) throw new Error('the Redis store is closed');
    return client;
  });
  return {
    ...primitives,
    sweep: async () => 0,
    keyv<T>(namespace: string): Keyv<T> {
      // The adapter's client type is the widest generic instance; ours is the default one.
      const shared = client as unknown as RedisClientConnectionType;
      const store = new SharedKeyvRedis<T>(shared, namespace, closed);
      // The adapter prefixes keys with `namespace::`; keyv must not add a second prefix.
      return new Keyv<T>({ store, namespace, useKeyPrefix: false, throwOnErrors: true });
    },
    close: () => redis.close(),
  };
}
