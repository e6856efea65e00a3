import { EventEmitter } from 'node:events';
import type Database from 'better-sqlite3';
import type { KeyvStoreAdapter, StoredData } from 'keyv';

/**
 * A keyv storage adapter over one better-sqlite3 connection. @keyv/sqlite needs the `sqlite3`
 * package, whose install downloads a prebuilt binary; better-sqlite3 builds from source offline,
 * is synchronous (no thread-pool hop per read) and fast. Keyv stores its own serialised envelope
 * (value + expiry) in `value`.
 */
export class SqliteAdapter extends EventEmitter implements KeyvStoreAdapter {
  opts: { table: string };
  namespace?: string | undefined;
  readonly #get: Database.Statement<[string], { value: string }>;
  readonly #set: Database.Statement<[string, string]>;
  readonly #delete: Database.Statement<[string]>;
  readonly #clear: Database.Statement<[string]>;

  constructor(db: Database.Database, table = 'keyv') {
    super();
    this.opts = { table };
    db.exec(`CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    this.#get = db.prepare(`SELECT value FROM ${table} WHERE key = ?`);
    this.#set = db.prepare(
      `INSERT INTO ${table} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
    );
    this.#delete = db.prepare(`DELETE FROM ${table} WHERE key = ?`);
    this.#clear = db.prepare(`DELETE FROM ${table} WHERE key LIKE ? ESCAPE '\\'`);
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return this.#get.get(key)?.value as StoredData<Value> | undefined;
  }

  async set(key: string, value: unknown): Promise<void> {
    this.#set.run(key, typeof value === 'string' ? value : JSON.stringify(value));
  }

  async delete(key: string): Promise<boolean> {
    return this.#delete.run(key).changes > 0;
  }

  async clear(): Promise<void> {
    const prefix = this.namespace ? `${this.namespace.replace(/[\\%_]/g, '\\$&')}:` : '';
    this.#clear.run(`${prefix}%`);
  }
}
