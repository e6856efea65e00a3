/** A typed key-value namespace; values are JSON. Implemented over keyv in src/store. */
export interface KeyValue<T> {
  get(key: string): Promise<T | undefined>;
  set(key: string, value: T, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The store as features see it: one namespace per feature, so keys never collide. */
export interface Store {
  namespace<T>(name: string): KeyValue<T>;
  close(): Promise<void>;
}
