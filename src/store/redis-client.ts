import { createClient } from '@keyv/redis';

const CLOSE_GRACE_MS = 2000;

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
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return [...new Set(error.errors.map(describeError))].join('; ');
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return error.message || code || error.name;
  }
  return String(error);
}

/** A client as this module makes it: no offline queue, reconnects while `reconnect()` says so. */
function makeClient(url: string, connectTimeoutMs: number, reconnect: () => boolean) {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: connectTimeoutMs,
      reconnectStrategy: (retries: number) => (reconnect() ? Math.min(100 * 2 ** retries, 2000) : false),
    },
  });
}

export type RedisClient = ReturnType<typeof makeClient>;

export interface OpenRedisOptions {
  /** Bound on the initial connect + PING; a server that is down, unreachable or mute fails within it. */
  connectTimeoutMs?: number;
  /** Where connection errors after start go (Redis restarts, network blips). */
  onError?: (error: unknown) => void;
  /** Names the connection in the start-up error ("Redis", "Redis for shared budgets"). */
  what?: string;
}

/** One open node-redis connection, and the way to close it that never hangs on a server gone away. */
export interface OpenRedis {
  client: RedisClient;
  readonly closed: boolean;
  close(): Promise<void>;
}

/**
 * Connects to `redis://` / `rediss://` (optional `/db`) and answers once the server replies to PING,
 * or rejects within `connectTimeoutMs` with the URL's password hidden. The initial connect does not
 * retry; once up, the client reconnects with backoff, and calls made while it is down reject at
 * once instead of queueing for an unknown time.
 */
export async function openRedis(url: string, options: OpenRedisOptions = {}): Promise<OpenRedis> {
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  const where = redactUrl(url);
  let started = false;
  let closed = false;
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: timeoutMs,
      reconnectStrategy: (retries: number) =>
        started && !closed ? Math.min(100 * 2 ** retries, 2000) : false,
    },
  });
  // An EventEmitter 'error' without a listener would crash the process.
  client.on('error', (error: unknown) => {
    if (started && !closed) options.onError?.(error);
  });

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
    throw new Error(`cannot connect to ${options.what ?? 'Redis'} at ${where}: ${describeError(error)}`);
  } finally {
    clearTimeout(timer);
  }
  started = true;

  return {
    client,
    get closed() {
      return closed;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (!client.isOpen) return;
      if (client.isReady) {
        // Lets commands already sent finish, but a server that went away never answers them.
        let graceTimer: NodeJS.Timeout | undefined;
        const graceful = await Promise.race([
          client.close().then(
            () => true,
            () => false,
          ),
          new Promise<false>((resolve) => {
            graceTimer = setTimeout(() => resolve(false), CLOSE_GRACE_MS);
          }),
        ]);
        clearTimeout(graceTimer);
        if (graceful) return;
      }
      if (client.isOpen) client.destroy();
    },
  };
}
