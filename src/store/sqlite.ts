import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import Database from 'better-sqlite3';
import Keyv from 'keyv';
import type { Claims, Counters, Store, StringSets } from '../core/store.js';
import { BackendStore, type StoreBackend } from './backend-store.js';
import { scopedKey, wholeStep, wholeTtlMs } from './checks.js';
import { SqliteAdapter } from './sqlite-adapter.js';

/** Tables whose rows carry an `expires` column (epoch ms) that the sweep deletes by. */
const EXPIRING_TABLES = ['keyv', 'counters', 'claims'] as const;

/**
 * Rows one sweep statement deletes: each batch is its own short write, and the event loop runs
 * between batches, so sweeping a large backlog neither blocks other writers nor stalls the bot.
 */
const SWEEP_BATCH_ROWS = 2000;

/**
 * Creates the tables, and migrates a file from before the `expires` column: adds it and fills it
 * from keyv's own envelope (`{"value":…,"expires":…}`), so old expiring rows can be swept too.
 * Runs in an IMMEDIATE transaction, so two processes opening the same old file do not both migrate.
 */
export function migrateSqlite(db: Database.Database): void {
  db.transaction(() => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS keyv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires INTEGER);
      CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, n INTEGER NOT NULL, expires INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS sets (name TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY (name, member)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, expires INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS counters_expires ON counters (expires);
      CREATE INDEX IF NOT EXISTS claims_expires ON claims (expires);
    `);
    const columns = db.pragma('table_info(keyv)') as Array<{ name: string }>;
    if (!columns.some((column) => column.name === 'expires')) {
      db.exec('ALTER TABLE keyv ADD COLUMN expires INTEGER');
      // CASE, unlike AND, is guaranteed not to evaluate json_type() on a value that is not JSON.
      db.exec(`
        UPDATE keyv SET expires = CAST(json_extract(value, '$.expires') AS INTEGER)
        WHERE CASE WHEN json_valid(value) THEN json_type(value, '$.expires') IN ('integer', 'real') END
      `);
    }
    // Only rows with a TTL are indexed: most values (settings, histories) never expire.
    db.exec('CREATE INDEX IF NOT EXISTS keyv_expires ON keyv (expires) WHERE expires IS NOT NULL');
  }).immediate();
}

class SqliteBackend implements StoreBackend {
  readonly #add: Database.Statement<
    [{ key: string; by: number; expires: number; now: number }],
    { n: number }
  >;
  readonly #count: Database.Statement<[string, number], { n: number }>;
  readonly #setAdd: Database.Statement<[string, string]>;
  readonly #setRemove: Database.Statement<[string, string]>;
  readonly #members: Database.Statement<[string], { member: string }>;
  readonly #claim: Database.Statement<[{ key: string; expires: number; now: number }]>;
  readonly #release: Database.Statement<[string]>;
  readonly #sweeps: Array<Database.Statement<[number]>>;

  constructor(private readonly db: Database.Database) {
    // An expired counter restarts: the first add after its TTL sets it to `by` with a fresh TTL.
    // In an UPDATE every expression reads the row as it was, so both CASEs test the old expiry.
    this.#add = db.prepare(`
      INSERT INTO counters (key, n, expires) VALUES (@key, @by, @expires)
      ON CONFLICT(key) DO UPDATE SET
        n = CASE WHEN counters.expires <= @now THEN excluded.n ELSE counters.n + excluded.n END,
        expires = CASE WHEN counters.expires <= @now THEN excluded.expires ELSE counters.expires END
      RETURNING n`);
    this.#count = db.prepare('SELECT n FROM counters WHERE key = ? AND expires > ?');
    this.#setAdd = db.prepare('INSERT OR IGNORE INTO sets (name, member) VALUES (?, ?)');
    this.#setRemove = db.prepare('DELETE FROM sets WHERE name = ? AND member = ?');
    this.#members = db.prepare('SELECT member FROM sets WHERE name = ?');
    // Taken when absent or lapsed; a live claim makes the upsert a no-op (0 changes).
    this.#claim = db.prepare(`
      INSERT INTO claims (key, expires) VALUES (@key, @expires)
      ON CONFLICT(key) DO UPDATE SET expires = excluded.expires WHERE claims.expires <= @now`);
    this.#release = db.prepare('DELETE FROM claims WHERE key = ?');
    this.#sweeps = EXPIRING_TABLES.map((table) =>
      db.prepare(
        `DELETE FROM ${table} WHERE rowid IN
           (SELECT rowid FROM ${table} WHERE expires <= ? LIMIT ${SWEEP_BATCH_ROWS})`,
      ),
    );
  }

  keyv(namespace: string): Keyv {
    return new Keyv({ store: new SqliteAdapter(this.db), namespace });
  }

  counters(name: string): Counters {
    const add = this.#add;
    const count = this.#count;
    return {
      async add(key, by, ttlMs) {
        const step = wholeStep(by);
        const ttl = wholeTtlMs(ttlMs);
        const now = Date.now();
        return add.get({ key: scopedKey(name, key), by: step, expires: now + ttl, now })!.n;
      },
      async get(key) {
        return count.get(scopedKey(name, key), Date.now())?.n ?? 0;
      },
    };
  }

  sets(name: string): StringSets {
    const [setAdd, setRemove, members] = [this.#setAdd, this.#setRemove, this.#members];
    return {
      async add(key, member) {
        setAdd.run(scopedKey(name, key), member);
      },
      async remove(key, member) {
        setRemove.run(scopedKey(name, key), member);
      },
      async members(key) {
        return members.all(scopedKey(name, key)).map((row) => row.member);
      },
    };
  }

  claims(name: string): Claims {
    const [claim, release] = [this.#claim, this.#release];
    return {
      async claim(key, ttlMs) {
        const ttl = wholeTtlMs(ttlMs);
        const now = Date.now();
        return claim.run({ key: scopedKey(name, key), expires: now + ttl, now }).changes > 0;
      },
      async release(key) {
        release.run(scopedKey(name, key));
      },
    };
  }

  async sweep(): Promise<number> {
    const now = Date.now();
    let swept = 0;
    for (const statement of this.#sweeps) {
      for (;;) {
        const { changes } = statement.run(now);
        swept += changes;
        if (changes < SWEEP_BATCH_ROWS) break;
        await yieldToEventLoop();
      }
    }
    return swept;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** A store over one SQLite file; the folder is created when missing, the schema migrated when old. */
export function sqliteStore(file: string): Store {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  migrateSqlite(db);
  return new BackendStore(new SqliteBackend(db));
}
