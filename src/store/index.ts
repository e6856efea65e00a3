import type { Store } from '../core/store.js';
import { BackendStore } from './backend-store.js';
import { memoryStore } from './memory.js';
import { connectRedis, type RedisConnectOptions } from './redis.js';
import { sqliteStore } from './sqlite.js';

export { MemoryStore, memoryStore } from './memory.js';
export { sqliteStore } from './sqlite.js';
export { STORE_SWEEP_INTERVAL_MS, type SweepOptions, sweepPeriodically } from './sweep.js';

/**
 * A store over one Redis connection (`redis://host:port[/db]`, `rediss://` for TLS) shared by every
 * namespace; keys are `namespace::key`, and `counters:`, `sets:`, `claims:` before `name::key` for the
 * primitives. Rejects with a clear error when the server does not answer PING within `connectTimeoutMs`
 * (5 s by default).
 */
export async function redisStore(url: string, options: RedisConnectOptions = {}): Promise<Store> {
  return new BackendStore(await connectRedis(url, options));
}

const isRedis = (url: string) => url.startsWith('redis://') || url.startsWith('rediss://');

/** Opens a STORE_URL that needs no network: sqlite:// or memory. Redis needs {@link connectStore}. */
export function openStore(url: string): Store {
  if (url === 'memory' || url === 'memory:') return memoryStore();
  if (url.startsWith('sqlite://')) return sqliteStore(url.slice('sqlite://'.length));
  if (isRedis(url))
    throw new Error('redis:// and rediss:// connect asynchronously: open them with connectStore()');
  throw new Error(
    `STORE_URL ${url.split(':')[0]}:// is not supported (use sqlite://, redis://, rediss:// or memory)`,
  );
}

/** Opens any STORE_URL: sqlite:// and memory as {@link openStore}, redis:// once the server answers PING. */
export async function connectStore(url: string, options: RedisConnectOptions = {}): Promise<Store> {
  if (isRedis(url)) return redisStore(url, options);
  return openStore(url);
}
