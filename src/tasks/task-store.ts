import type { KeyValue, Store, StringSets } from '../core/store.js';
import type { TaskKind, TaskRecord } from '../core/tasks.js';

/** Finished records stay readable this long (for support and duplicate checks), then expire. */
export const FINISHED_TTL_MS = 7 * 24 * 3600_000;
/** Open records and their markers outlive any deadline by far, yet never stay forever. */
const OPEN_TTL_MS = 30 * 24 * 3600_000;

/**
 * `sending`: a send began and did not report back; found at the start of a job, the process that
 * began it died, and the part may or may not have arrived. `sent`: it arrived. `linked`: its
 * link was posted instead (the file could not be sent, or it may already have arrived).
 */
export type PartMark = 'sending' | 'sent' | 'linked';

export const isOpen = (r: TaskRecord) => r.state === 'pending' || r.state === 'delivering';

/**
 * Task records in the store. The open ones are indexed in one set per kind (atomic adds and
 * removes, so concurrent submits from several processes never lose an entry); the index entry is
 * written before the record, so a record can never exist without being found again. Each part's
 * delivery mark and the status text last shown live under keys of their own, so the jobs that
 * write them never overwrite each other or the record.
 */
export class TaskStore {
  readonly #records: KeyValue<TaskRecord>;
  readonly #open: StringSets;
  readonly #marks: KeyValue<PartMark>;
  readonly #shown: KeyValue<string>;

  constructor(store: Store) {
    this.#records = store.namespace('tasks');
    this.#open = store.sets('tasks-open');
    this.#marks = store.namespace('task-parts');
    this.#shown = store.namespace('task-shown');
  }

  /** Writes a new record: the index first, then the record. */
  async create(record: TaskRecord): Promise<void> {
    await this.#open.add(record.kind, record.id);
    await this.#records.set(record.id, record, OPEN_TTL_MS);
  }

  /** Writes a record; a finished one expires later and leaves the index (after it is written). */
  async save(record: TaskRecord): Promise<void> {
    if (isOpen(record)) {
      await this.#records.set(record.id, record, OPEN_TTL_MS);
      return;
    }
    await this.#records.set(record.id, record, FINISHED_TTL_MS);
    await this.#open.remove(record.kind, record.id);
  }

  get(id: string): Promise<TaskRecord | undefined> {
    return this.#records.get(id);
  }

  /** Ids in the open index for a kind (some may be finished records not yet removed, or not written yet). */
  openIds(kind: TaskKind): Promise<string[]> {
    return this.#open.members(kind);
  }

  unindex(kind: TaskKind, id: string): Promise<void> {
    return this.#open.remove(kind, id);
  }

  mark(taskId: string, part: string): Promise<PartMark | undefined> {
    return this.#marks.get(`${taskId}:${part}`);
  }

  setMark(taskId: string, part: string, mark: PartMark | undefined): Promise<void> {
    const key = `${taskId}:${part}`;
    return mark === undefined ? this.#marks.delete(key) : this.#marks.set(key, mark, OPEN_TTL_MS);
  }

  shown(taskId: string): Promise<string | undefined> {
    return this.#shown.get(taskId);
  }

  setShown(taskId: string, text: string): Promise<void> {
    return this.#shown.set(taskId, text, OPEN_TTL_MS);
  }
}
