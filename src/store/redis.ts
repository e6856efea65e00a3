import KeyvRedis, { createClient, type RedisClientConnectionType } from '@keyv/redis';
import Keyv from 'keyv';
import type { Logger } from 'pino';

export interface RedisConnectOptions {
  /** Bound on the initial connect + PING; a server that is down, unreachable or mute fails within it. */
  connectTimeoutMs?: number;
  /** Where connection errors after start go (Redis restarts, network blips); silent when absent. */
  log?: Logger;
}

const CLOSE_GRACE_MS = 2000;

/** One open Redis connection, shared by every keyv namespace made from it. */
export interface RedisConnection {
  keyv<T>(namespace: string): Keyv<T>;
  close(): Promise<void>;
}

/** `redis://user:secret@host` → `redis://user:***@host`, for error messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** Node's `connect ECONNREFUSED` for `localhost` is an AggregateError (IPv6 + IPv4) with an empty message. */
function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(describe))].join('; ');
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return error.message || code || error.name;
  }
  return String(error);
}

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
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  const where = redactUrl(url);
  let started = false;
  let closed = false;
  const client = createClient({
    url,
    // While the connection is down, calls reject at once instead of queueing for an unknown time.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: timeoutMs,
      reconnectStrategy: (retries: number) =>
        started && !closed ? Math.min(100 * 2 ** retries, 2000) : false,
    },
  });
  // An EventEmitter 'error' without a listener would crash the process.
  client.on('error', (error: unknown) => {
    if (started && !closed) options.log?.warn({ err: error, store: where }, 'redis connection error');
  });
  // Each keyv adapter adds its own listeners to the shared client: one set per namespace.
  client.setMaxListeners(0);

  const attempt = (async () => {
    await client.connect();
    await client.ping();
  })();
  attempt.catch(() => {}); // raced below; a late rejection after the timeout is expected
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      attempt,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    closed = true;
    if (client.isOpen) client.destroy();
    throw new Error(`cannot connect to Redis at ${where}: ${describe(error)}`);
  } finally {
    clearTimeout(timer);
  }
  started = true;

  return {
    keyv<T>(namespace: string): Keyv<T> {
      // The adapter's client type is the widest generic instance; ours is the default one.
      const shared = client as unknown as RedisClientConnectionType;
      const store = new SharedKeyvRedis<T>(shared, namespace, () => closed);
      // The adapter prefixes keys with `namespace::`; keyv must not add a second prefix.
      return new Keyv<T>({ store, namespace, useKeyPrefix: false, throwOnErrors: true });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (!client.isOpen) return;
      if (client.isReady) {
        // Lets commands already sent finish, but a server that went away never answers them.
        let timer: NodeJS.Timeout | undefined;
        const graceful = await Promise.race([
          client.close().then(
            () => true,
            () => false,
          ),
          new Promise<false>((resolve) => {
            timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS);
          }),
        ]);
        clearTimeout(timer);
        if (graceful) return;
      }
      if (client.isOpen) client.destroy();
    },
  };
}
