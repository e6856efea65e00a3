import { EventEmitter } from 'node:events';
import Keyv, { type KeyvStoreAdapter, type StoredData } from 'keyv';
import type { Claims, Counters, StringSets } from '../core/store.js';
import { BackendStore, type StoreBackend } from './backend-store.js';
import { scopedKey, wholeStep, wholeTtlMs } from './checks.js';
import { STORE_SWEEP_INTERVAL_MS } from './sweep.js';

interface Value {
  value: string;
  /** Epoch ms; absent for a value without TTL. */
  expires: number | undefined;
}

/** Entry maps of one memory store; every namespace and primitive of that store lives here. */
class MemoryData {
  readonly values = new Map<string, Value>();
  readonly counters = new Map<string, { n: number; expires: number }>();
  /** Claim key → epoch ms it lapses. */
  readonly claims = new Map<string, number>();
  readonly sets = new Map<string, Set<string>>();
  #lastSweep = Date.now();

  get size(): number {
    let members = 0;
    for (const set of this.sets.values()) members += set.size;
    return this.values.size + this.counters.size + this.claims.size + members;
  }

  /**
   * Called on every write: sweeps when the last sweep is older than the app's interval, so a memory
   * store stays bounded even where nobody calls sweep() (tests, scripts).
   */
  wrote(now: number): void {
    if (now - this.#lastSweep >= STORE_SWEEP_INTERVAL_MS) this.sweep(now);
  }

  sweep(now: number): number {
    this.#lastSweep = now;
    let swept = 0;
    for (const [key, entry] of this.values) {
      if (entry.expires !== undefined && entry.expires <= now && this.values.delete(key)) swept++;
    }
    for (const [key, entry] of this.counters) {
      if (entry.expires <= now && this.counters.delete(key)) swept++;
    }
    for (const [key, expires] of this.claims) {
      if (expires <= now && this.claims.delete(key)) swept++;
    }
    return swept;
  }
}

/** Keyv's storage adapter over {@link MemoryData.values}: a Map that knows each entry's expiry, so it can sweep. */
class MemoryAdapter extends EventEmitter implements KeyvStoreAdapter {
  opts = {};
  namespace?: string | undefined;
  constructor(private readonly data: MemoryData) {
    super();
  }

  async get<T>(key: string): Promise<StoredData<T> | undefined> {
    const entry = this.data.values.get(key);
    if (entry?.expires !== undefined && entry.expires <= Date.now()) {
      this.data.values.delete(key);
      return undefined;
    }
    return entry?.value as StoredData<T> | undefined;
  }

  async set(key: string, value: unknown, ttl?: number): Promise<void> {
    const now = Date.now();
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    this.data.values.set(key, { value: text, expires: ttl ? now + ttl : undefined });
    this.data.wrote(now);
  }

  async delete(key: string): Promise<boolean> {
    return this.data.values.delete(key);
  }

  async clear(): Promise<void> {
    const prefix = this.namespace ? `${this.namespace}:` : '';
    for (const key of this.data.values.keys()) if (key.startsWith(prefix)) this.data.values.delete(key);
  }
}

class MemoryBackend implements StoreBackend {
  readonly data = new MemoryData();

  keyv(namespace: string): Keyv {
    return new Keyv({ store: new MemoryAdapter(this.data), namespace });
  }

  counters(name: string): Counters {
    const { data } = this;
    return {
      async add(key, by, ttlMs) {
        const step = wholeStep(by);
        const ttl = wholeTtlMs(ttlMs);
        const now = Date.now();
        const id = scopedKey(name, key);
        const live = data.counters.get(id);
        if (live && live.expires > now) {
          live.n += step;
          return live.n;
        }
        data.counters.set(id, { n: step, expires: now + ttl });
        data.wrote(now);
        return step;
      },
      async get(key) {
        const id = scopedKey(name, key);
        const entry = data.counters.get(id);
        if (!entry) return 0;
        if (entry.expires > Date.now()) return entry.n;
        data.counters.delete(id);
        return 0;
      },
    };
  }

  sets(name: string): StringSets {
    const { sets } = this.data;
    return {
      async add(key, member) {
        const id = scopedKey(name, key);
        const set = sets.get(id);
        if (set) set.add(member);
        else sets.set(id, new Set([member]));
      },
      async remove(key, member) {
        const id = scopedKey(name, key);
        const set = sets.get(id);
        if (set?.delete(member) && set.size === 0) sets.delete(id);
      },
      async members(key) {
        return [...(sets.get(scopedKey(name, key)) ?? [])];
      },
    };
  }

  claims(name: string): Claims {
    const { data } = this;
    return {
      async claim(key, ttlMs) {
        const ttl = wholeTtlMs(ttlMs);
        const now = Date.now();
        const id = scopedKey(name, key);
        const held = data.claims.get(id);
        if (held !== undefined && held > now) return false;
        data.claims.set(id, now + ttl);
        data.wrote(now);
        return true;
      },
      async release(key) {
        data.claims.delete(scopedKey(name, key));
      },
    };
  }

  async sweep(): Promise<number> {
    return this.data.sweep(Date.now());
  }

  async close(): Promise<void> {}
}

/** An in-memory store (unit tests, the console without persistence); {@link size} shows it stays bounded. */
export class MemoryStore extends BackendStore {
  readonly #backend: MemoryBackend;
  constructor() {
    const backend = new MemoryBackend();
    super(backend);
    this.#backend = backend;
  }
  /** Entries held (values, counters, claims, set members), expired ones included until they are swept. */
  get size(): number {
    return this.#backend.data.size;
  }
}

/** An in-memory store, for unit tests and the console without persistence. Each call is a separate store. */
export function memoryStore(): MemoryStore {
  return new MemoryStore();
}
