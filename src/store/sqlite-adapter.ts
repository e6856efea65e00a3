import { EventEmitter } from 'node:events';
import type Database from 'better-sqlite3';
import type { KeyvStoreAdapter, StoredData } from 'keyv';

/**
 * A keyv storage adapter over one better-sqlite3 connection. @keyv/sqlite needs the `sqlite3`
 * package, whose install downloads a prebuilt binary; better-sqlite3 builds from source offline,
 * is synchronous (no thread-pool hop per read) and fast. Keyv stores its own serialised envelope
 * (value + expiry) in `value`; the adapter also keeps the expiry in the `expires` column (epoch ms,
 * NULL for no TTL), so reads skip expired rows and a sweep can delete them with an index.
 * The table is made (and migrated) by `migrateSqlite` in sqlite.ts.
 */
export class SqliteAdapter extends EventEmitter implements KeyvStoreAdapter {
  opts: { table: string };
  namespace?: string | undefined;
  readonly #get: Database.Statement<[string, number], { value: string }>;
  readonly #set: Database.Statement<[string, string, number | null]>;
  readonly #delete: Database.Statement<[string]>;
  readonly #clear: Database.Statement<[string]>;

  constructor(db: Database.Database, table = 'keyv') {
    super();
    this.opts = { table };
    this.#get = db.prepare(`SELECT value FROM ${table} WHERE key = ? AND (expires IS NULL OR expires > ?)`);
    this.#set = db.prepare(
      `INSERT INTO ${table} (key, value, expires) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires = excluded.expires`,
    );
    this.#delete = db.prepare(`DELETE FROM ${table} WHERE key = ?`);
    this.#clear = db.prepare(`DELETE FROM ${table} WHERE key LIKE ? ESCAPE '\\'`);
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return this.#get.get(key, Date.now())?.value as StoredData<Value> | undefined;
  }

  /** `ttl` is what keyv was given, in ms; absent (or 0) for a value that never expires. */
  async set(key: string, value: unknown, ttl?: number): Promise<void> {
    const expires = ttl ? Date.now() + Math.ceil(ttl) : null;
    this.#set.run(key, typeof value === 'string' ? value : JSON.stringify(value), expires);
  }

  async delete(key: string): Promise<boolean> {
    return this.#delete.run(key).changes > 0;
  }

  async clear(): Promise<void> {
    const prefix = this.namespace ? `${this.namespace.replace(/[\\%_]/g, '\\$&')}:` : '';
    this.#clear.run(`${prefix}%`);
  }
}
