import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import Keyv from 'keyv';
import type { KeyValue, Store } from '../core/store.js';
import { connectRedis, type RedisConnectOptions } from './redis.js';
import { SqliteAdapter } from './sqlite-adapter.js';

class KeyvNamespace<T> implements KeyValue<T> {
  constructor(private readonly keyv: Keyv<T>) {}
  async get(key: string): Promise<T | undefined> {
    return (await this.keyv.get(key)) ?? undefined;
  }
  async set(key: string, value: T, ttlMs?: number): Promise<void> {
    await this.keyv.set(key, value, ttlMs);
  }
  async delete(key: string): Promise<void> {
    await this.keyv.delete(key);
  }
}

class KeyvStore implements Store {
  readonly #spaces = new Map<string, KeyValue<unknown>>();
  constructor(
    private readonly makeKeyv: (namespace: string) => Keyv,
    private readonly onClose: () => Promise<void>,
  ) {}
  namespace<T>(name: string): KeyValue<T> {
    let space = this.#spaces.get(name);
    if (!space) {
      const keyv = this.makeKeyv(name);
      keyv.throwOnErrors = true; // keyv would otherwise answer a failed get with undefined
      keyv.on('error', () => {}); // errors surface as rejected calls; don't crash on the emitter
      space = new KeyvNamespace<unknown>(keyv);
      this.#spaces.set(name, space);
    }
    return space as KeyValue<T>;
  }
  close(): Promise<void> {
    return this.onClose();
  }
}

/** An in-memory store, for unit tests and the console without persistence. */
export function memoryStore(): Store {
  return new KeyvStore(
    (namespace) => new Keyv({ store: new Map(), namespace }),
    async () => {},
  );
}

/** A store over one SQLite file; the folder is created when missing. */
export function sqliteStore(file: string): Store {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return new KeyvStore(
    (namespace) => new Keyv({ store: new SqliteAdapter(db), namespace }),
    async () => {
      db.close();
    },
  );
}

/**
 * A store over one Redis connection (`redis://host:port[/db]`, `rediss://` for TLS) shared by every
 * namespace; keys are `namespace::key`. Rejects with a clear error when the server does not answer
 * PING within `connectTimeoutMs` (5 s by default).
 */
export async function redisStore(url: string, options: RedisConnectOptions = {}): Promise<Store> {
  const redis = await connectRedis(url, options);
  return new KeyvStore(
    (namespace) => redis.keyv(namespace),
    () => redis.close(),
  );
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
