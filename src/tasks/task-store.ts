import type { KeyValue, Store } from '../core/store.js';
import type { TaskRecord } from '../core/tasks.js';

/** Finished records stay readable this long (for support and duplicate checks), then expire. */
const FINISHED_TTL_MS = 7 * 24 * 3600_000;
const INDEX_KEY = 'open';

/**
 * Task records in the store, plus an index of the open ones so a restart can find them. Writes
 * are serialised, so the index never loses an id to two updates racing.
 */
export class TaskStore {
  readonly #records: KeyValue<TaskRecord>;
  readonly #index: KeyValue<string[]>;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(store: Store) {
    this.#records = store.namespace('tasks');
    this.#index = store.namespace('task-index');
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(fn, fn);
    this.#chain = next.catch(() => {});
    return next;
  }

  /** Writes a record; open records join the index, finished ones leave it. */
  save(record: TaskRecord): Promise<void> {
    return this.#serial(async () => {
      const open = record.state === 'pending' || record.state === 'delivering';
      await this.#records.set(record.id, record, open ? undefined : FINISHED_TTL_MS);
      const ids = (await this.#index.get(INDEX_KEY)) ?? [];
      const has = ids.includes(record.id);
      if (open && !has) await this.#index.set(INDEX_KEY, [...ids, record.id]);
      if (!open && has)
        await this.#index.set(
          INDEX_KEY,
          ids.filter((id) => id !== record.id),
        );
    });
  }

  get(id: string): Promise<TaskRecord | undefined> {
    return this.#records.get(id);
  }

  /** Every open record, as found in the store. */
  openRecords(): Promise<TaskRecord[]> {
    return this.#serial(async () => {
      const ids = (await this.#index.get(INDEX_KEY)) ?? [];
      const records = await Promise.all(ids.map((id) => this.#records.get(id)));
      return records.filter(
        (r): r is TaskRecord => r !== undefined && (r.state === 'pending' || r.state === 'delivering'),
      );
    });
  }
}
