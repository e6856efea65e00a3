/** A typed key-value namespace; values are JSON. Implemented over keyv in src/store. */
export interface KeyValue<T> {
  get(key: string): Promise<T | undefined>;
  set(key: string, value: T, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * Integer counters that several processes may bump at once (Redis INCRBY, a SQLite upsert):
 * rate limits and daily quotas. A counter that was never added to reads 0.
 */
export interface Counters {
  /** Adds `by` (may be 0 or negative) and answers the new value, atomically. The TTL starts at the first add. */
  add(key: string, by: number, ttlMs: number): Promise<number>;
  get(key: string): Promise<number>;
}

/** Sets of strings with atomic add/remove (Redis SADD/SREM, SQLite rows): indexes such as the open tasks. */
export interface StringSets {
  add(key: string, member: string): Promise<void>;
  remove(key: string, member: string): Promise<void>;
  members(key: string): Promise<string[]>;
}

/**
 * Short exclusive claims (Redis SET NX PX, a conditional SQLite upsert): "only one of us does this".
 * A claim lapses by itself after its TTL, so a process that dies holding one blocks nobody for long.
 */
export interface Claims {
  /** True when this call took the claim; false while someone else's (or an earlier) claim holds. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  release(key: string): Promise<void>;
}

/** The store as features see it: one namespace per feature, so keys never collide. */
export interface Store {
  namespace<T>(name: string): KeyValue<T>;
  counters(name: string): Counters;
  sets(name: string): StringSets;
  claims(name: string): Claims;
  /** Deletes expired entries where the backend does not do it itself (SQLite, memory); answers how many. */
  sweep(): Promise<number>;
  close(): Promise<void>;
}
