import type { Logger } from 'pino';
import type { ApiCore } from '../core/apicore.js';
import { t } from '../core/i18n.js';
import type { Claims, KeyValue } from '../core/store.js';
import type { TaskQueue, TaskRecord } from '../core/tasks.js';
import type { TaskFamily, UpstreamAnswer, UpstreamView } from './families/index.js';
import { allPartsSettled, jobIds } from './jobs.js';
import { isOpen, type TaskStore } from './task-store.js';
import { T } from './texts.js';

/** Polls a task may be missing from batch answers before it is reported lost. */
export const MISSING_POLLS_LIMIT = 5;
/** After the deadline, how long a failing batch request may keep a task from being expired. */
export const DEADLINE_GRACE_MS = 10 * 60_000;
/** How long a task may stay `delivering` after its deadline before it is closed with what arrived. */
export const DELIVERY_GRACE_MS = 30 * 60_000;
/** Single requests in flight at once for a family without a batch endpoint. */
export const FETCH_ONE_CONCURRENCY = 4;
/** Index entries without a record (a crash between the two writes) are dropped after this many ticks. */
const DANGLING_TICKS_LIMIT = 5;

export interface PollTickDeps {
  tasks: TaskStore;
  queue: TaskQueue;
  apicore: ApiCore;
  /**
   * Cluster mode: a tick's hold on its kind, in case it overruns the interval and the next one
   * starts elsewhere. It lapses after `holdMs`, so a killed instance blocks nobody for long. A single
   * process needs none (its ticks never overlap), and must not keep one across a crash.
   */
  exclusive?: { claims: Claims; holdMs: number } | undefined;
  cursors: KeyValue<number>;
  log: Logger;
  now(): number;
}

const failedText = (record: TaskRecord, reason: string) =>
  reason.startsWith('❌')
    ? reason
    : t(record.lang, T.failed, { reason: reason.length > 300 ? `${reason.slice(0, 300)}…` : reason });

const expiredText = (record: TaskRecord, family: TaskFamily) =>
  t(record.lang, T.expired, { minutes: Math.round(family.deadlineMs / 60_000) });

/**
 * One poll of one family: at most one batch request (or, for a family without a batch endpoint, at
 * most `batchSize` single requests), whatever the number pending, taking overdue
 * tasks first and the rest in turn (BATCH at a time, the cursor kept in the store so any instance
 * continues where the last left off). What it learns is written to the records and turned into
 * keyed chat jobs; jobs that a crash left undone are queued again, so nothing is stranded.
 */
export class PollTick {
  readonly #dangling = new Map<string, number>();
  /** Open tasks seen by the last tick, per kind. */
  get kind(): string {
    return this.family.kind;
  }

  constructor(
    private readonly deps: PollTickDeps,
    private readonly family: TaskFamily,
  ) {}

  async run(): Promise<void> {
    const kind = this.family.kind;
    const exclusive = this.deps.exclusive;
    if (!exclusive) return this.#run();
    if (!(await exclusive.claims.claim(kind, exclusive.holdMs))) return; // another instance is on it
    try {
      await this.#run();
    } finally {
      await exclusive.claims.release(kind);
    }
  }

  async #run(): Promise<void> {
    const records = await this.#openRecords();
    const now = this.deps.now();
    const pending: TaskRecord[] = [];
    for (const record of records) {
      if (record.outcome) await this.#close(record);
      else if (record.state === 'delivering') await this.#resumeDelivery(record, now);
      else pending.push(record);
    }
    const batch = await this.#nextBatch(pending, now);
    if (batch.length === 0) return;
    const { answers, failed } = await this.#fetch(batch);
    for (const record of batch) {
      try {
        if (failed.has(record.upstreamId)) {
          // A gateway down for long cannot keep overdue tasks open forever.
          if (now > record.deadline + DEADLINE_GRACE_MS)
            await this.#settle(record, 'expired', expiredText(record, this.family));
          continue;
        }
        const answer = answers.get(record.upstreamId);
        await this.#apply(record, answer ? answer(record) : undefined, now);
      } catch (error) {
        this.deps.log.error({ err: error, task: record.id }, 'task update failed; next tick retries');
      }
    }
  }

  /**
   * Asks the upstream about this tick's tasks: one batch request, or (a family without a batch
   * endpoint) one request per task, a few at a time. `failed`: the request failed, ask next tick.
   */
  async #fetch(batch: TaskRecord[]): Promise<{ answers: Map<string, UpstreamAnswer>; failed: Set<string> }> {
    const { apicore, log } = this.deps;
    const ids = batch.map((r) => r.upstreamId);
    const answers = new Map<string, UpstreamAnswer>();
    const failed = new Set<string>();
    const family = this.family;
    if (family.fetchMany) {
      try {
        for (const a of await family.fetchMany(apicore, ids)) answers.set(a.id, a.view);
      } catch (error) {
        log.warn({ err: error, tasks: ids.length }, `${family.name} batch fetch failed; next tick retries`);
        for (const id of ids) failed.add(id);
      }
      return { answers, failed };
    }
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          const answer = await family.fetchOne(apicore, id);
          if (answer) answers.set(id, answer);
        } catch (error) {
          log.warn({ err: error, upstream: id }, `${family.name} fetch failed; next tick retries`);
          failed.add(id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(FETCH_ONE_CONCURRENCY, ids.length) }, worker));
    return { answers, failed };
  }

  /** The open index, read into records; closed records and dangling ids leave the index. */
  async #openRecords(): Promise<TaskRecord[]> {
    const { tasks } = this.deps;
    const kind = this.family.kind;
    const ids = await tasks.openIds(kind);
    const found = await Promise.all(ids.map((id) => tasks.get(id)));
    const open: TaskRecord[] = [];
    for (const [i, id] of ids.entries()) {
      const record = found[i];
      if (!record) {
        const n = (this.#dangling.get(id) ?? 0) + 1;
        this.#dangling.set(id, n);
        if (n >= DANGLING_TICKS_LIMIT) {
          this.#dangling.delete(id);
          await tasks.unindex(kind, id);
        }
      } else if (!isOpen(record)) {
        await tasks.unindex(kind, id);
      } else {
        this.#dangling.delete(id);
        open.push(record);
      }
    }
    return open;
  }

  /** Up to one batch: overdue tasks first (their one last look), then the rest in turn. */
  async #nextBatch(pending: TaskRecord[], now: number): Promise<TaskRecord[]> {
    const size = this.family.batchSize;
    if (pending.length <= size) return pending;
    const overdue = pending.filter((r) => now > r.deadline);
    const rest = pending.filter((r) => now <= r.deadline).sort((a, b) => (a.id < b.id ? -1 : 1));
    const room = Math.max(0, size - overdue.length);
    const cursor = ((await this.deps.cursors.get(this.family.kind)) ?? 0) % Math.max(1, rest.length);
    const turn = [...rest.slice(cursor), ...rest.slice(0, cursor)].slice(0, room);
    await this.deps.cursors.set(this.family.kind, cursor + room);
    return [...overdue.slice(0, size), ...turn];
  }

  async #apply(record: TaskRecord, view: UpstreamView | undefined, now: number): Promise<void> {
    const overdue = now > record.deadline;
    if (!view) {
      record.misses += 1;
      if (record.misses >= MISSING_POLLS_LIMIT)
        return this.#settle(record, 'failed', t(record.lang, T.lost, { id: record.upstreamId }));
      if (overdue) return this.#settle(record, 'expired', expiredText(record, this.family));
      await this.deps.tasks.save(record);
      return;
    }
    record.misses = 0;
    if (view.state === 'success') {
      record.state = 'delivering';
      record.parts = view.parts;
      await this.deps.tasks.save(record);
      return this.#resumeDelivery(record, now);
    }
    if (view.state === 'failure') return this.#settle(record, 'failed', failedText(record, view.reason));
    // Still running: past the deadline (after this last look) the bot gives up.
    if (overdue) return this.#settle(record, 'expired', expiredText(record, this.family));
    if (view.status !== record.wantedStatus) {
      record.wantedStatus = view.status;
      await this.deps.tasks.save(record);
      await this.deps.queue.add(record.platform, jobIds.status(record.id), {
        type: 'status',
        taskId: record.id,
      });
    }
  }

  async #settle(record: TaskRecord, state: 'failed' | 'expired' | 'done', text?: string): Promise<void> {
    this.deps.log.warn(
      { task: record.id, chat: record.chat.id, user: record.requester.id, state, reason: text },
      `task ${state}`,
    );
    record.outcome = text === undefined ? { state } : { state, text };
    await this.deps.tasks.save(record);
    await this.#close(record);
  }

  #close(record: TaskRecord): Promise<void> {
    return this.deps.queue.add(record.platform, jobIds.close(record.id), {
      type: 'close',
      taskId: record.id,
    });
  }

  /** Queues every part not yet settled (a crash may have left some), or the close once all are. */
  async #resumeDelivery(record: TaskRecord, now: number): Promise<void> {
    if (await allPartsSettled(this.deps.tasks, record)) return this.#close(record);
    if (now > record.deadline + DELIVERY_GRACE_MS) return this.#settle(record, 'done');
    for (const part of record.parts) {
      const mark = await this.deps.tasks.mark(record.id, part.id);
      if (mark === 'sent' || mark === 'linked') continue;
      await this.deps.queue.add(record.platform, jobIds.part(record.id, part.id), {
        type: 'part',
        taskId: record.id,
        part: part.id,
      });
    }
  }
}
