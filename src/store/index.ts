import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import Keyv from 'keyv';
import type { KeyValue, Store } from '../core/store.js';
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

/** Opens the store named by STORE_URL. */
export function openStore(url: string): Store {
  if (url === 'memory' || url === 'memory:') return memoryStore();
  if (url.startsWith('sqlite://')) return sqliteStore(url.slice('sqlite://'.length));
  throw new Error(`STORE_URL ${url.split(':')[0]}:// is not supported yet (use sqlite:// or memory)`);
}
