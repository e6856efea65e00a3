import type Keyv from 'keyv';
import type { Claims, Counters, KeyValue, Store, StringSets } from '../core/store.js';

/** What one storage backend (memory, SQLite, Redis) provides; {@link BackendStore} turns it into a Store. */
export interface StoreBackend {
  /** A keyv instance for one namespace; made once per namespace and kept. */
  keyv(namespace: string): Keyv;
  counters(name: string): Counters;
  sets(name: string): StringSets;
  claims(name: string): Claims;
  sweep(): Promise<number>;
  close(): Promise<void>;
}

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

/** The Store every backend shares: JSON values through keyv, the atomic primitives straight from the backend. */
export class BackendStore implements Store {
  readonly #spaces = new Map<string, KeyValue<unknown>>();
  constructor(private readonly backend: StoreBackend) {}

  namespace<T>(name: string): KeyValue<T> {
    let space = this.#spaces.get(name);
    if (!space) {
      const keyv = this.backend.keyv(name);
      keyv.throwOnErrors = true; // keyv would otherwise answer a failed get with undefined
      keyv.on('error', () => {}); // errors surface as rejected calls; don't crash on the emitter
      space = new KeyvNamespace<unknown>(keyv);
      this.#spaces.set(name, space);
    }
    return space as KeyValue<T>;
  }
  counters(name: string): Counters {
    return this.backend.counters(name);
  }
  sets(name: string): StringSets {
    return this.backend.sets(name);
  }
  claims(name: string): Claims {
    return this.backend.claims(name);
  }
  sweep(): Promise<number> {
    return this.backend.sweep();
  }
  close(): Promise<void> {
    return this.backend.close();
  }
}
