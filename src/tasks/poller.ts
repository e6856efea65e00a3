import type { Logger } from 'pino';
import type { ApiCore, MjTask, SunoTask } from '../core/apicore.js';
import { t } from '../core/i18n.js';
import type { PlatformAdapter } from '../core/platform.js';
import type { Store } from '../core/store.js';
import type { TaskKind, TaskRecord, TaskSubmission, TaskTracker } from '../core/tasks.js';
import { pacedChannel } from '../render/paced-channel.js';
import { type Clock, type SchedulerRegistry, systemClock } from '../render/scheduler.js';
import type { ButtonRegistry } from '../store/buttons.js';
import { type DeliveryContext, deliverMj, deliverSuno } from './deliver.js';
import { StatusMessage } from './status.js';
import { TaskStore } from './task-store.js';
import { progressBar, T } from './texts.js';

/** Ids in one batch request (SQLite-backed gateways allow 999 query parameters; 100 is safe). */
export const BATCH_SIZE = 100;
/** How long each kind may run before the bot gives up (upstreams stop at about 10 minutes). */
export const DEADLINE_MS: Record<TaskKind, number> = {
  mj: 15 * 60_000,
  suno: 15 * 60_000,
  video: 30 * 60_000,
};
/** Ticks a task may be missing from batch answers before it is reported lost. */
const MISSING_TICKS_LIMIT = 5;

export interface PollerDeps {
  store: Store;
  apicore: ApiCore;
  buttons: ButtonRegistry;
  schedulers: SchedulerRegistry;
  log: Logger;
  intervalMs: number;
  clock?: Clock;
}

/**
 * One poller for every pending task. Each tick asks each batch endpoint once per 100 tasks,
 * edits status messages whose progress changed, delivers finished results exactly once and gives
 * up after a per-kind deadline. Records live in the store, so a restart resumes where it was.
 */
export class TaskPoller implements TaskTracker {
  readonly #tasks: TaskStore;
  readonly #open = new Map<string, TaskRecord>();
  readonly #status = new Map<string, StatusMessage>();
  readonly #missing = new Map<string, number>();
  /** Videos streaming in this process; an open video record not here was cut by a restart. */
  readonly #live = new Set<string>();
  readonly #adapters = new Map<string, PlatformAdapter>();
  readonly #clock: Clock;
  readonly #idle = new Set<() => void>();
  #timer: unknown;
  #stopped = true;
  #ticking: Promise<void> | undefined;
  /** Tasks being handled now (a delivery may wait for its chat's pacing budget). */
  readonly #busy = new Set<string>();
  readonly #handling = new Set<Promise<void>>();
  /** Where each kind's next batch starts when more than BATCH_SIZE tasks are pending. */
  readonly #cursor = { mj: 0, suno: 0 };

  constructor(private readonly deps: PollerDeps) {
    this.#tasks = new TaskStore(deps.store);
    this.#clock = deps.clock ?? systemClock;
  }

  /** Loads every open record and starts ticking. */
  async start(adapters: readonly PlatformAdapter[]): Promise<void> {
    for (const a of adapters) this.#adapters.set(a.name, a);
    for (const record of await this.#tasks.openRecords()) this.#open.set(record.id, record);
    if (this.#open.size > 0) this.deps.log.info({ tasks: this.#open.size }, 'resuming pending tasks');
    this.#stopped = false;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#ticking;
    // Deliveries under way finish; what is still pending stays in the store for the next start.
    await Promise.allSettled([...this.#handling]);
  }

  get pending(): number {
    return this.#open.size;
  }

  /** Resolves when no task is open (used by the console to exit once work is done). */
  idle(): Promise<void> {
    if (this.#open.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  async track(submission: TaskSubmission, who: Parameters<TaskTracker['track']>[1]): Promise<TaskRecord> {
    const now = this.#clock.now();
    const record: TaskRecord = {
      id: `${submission.kind}:${submission.upstreamId}`,
      kind: submission.kind,
      purpose: submission.purpose,
      upstreamId: submission.upstreamId,
      platform: who.chat.platform,
      chat: who.chat,
      requester: who.user,
      lang: who.lang,
      statusMessage: submission.statusMessage,
      replyTo: who.replyTo,
      submittedAt: now,
      deadline: now + DEADLINE_MS[submission.kind],
      state: 'pending',
      shownStatus: '',
      delivered: [],
      sending: undefined,
      meta: submission.meta ?? {},
    };
    if (record.kind === 'video') this.#live.add(record.id);
    await this.#tasks.save(record);
    this.#open.set(record.id, record);
    return record;
  }

  async finish(id: string, state: 'done' | 'failed'): Promise<void> {
    const record = this.#open.get(id);
    this.#live.delete(id);
    if (record) await this.#close(record, state);
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      // The next tick is timed from when this one's fetches returned, not from when every delivery
      // finished: a chat waiting for its pacing budget never holds up the others' tasks.
      this.#ticking = this.#startTick()
        .then(() => undefined)
        .finally(() => {
          this.#ticking = undefined;
          this.#schedule(this.deps.intervalMs);
        });
    }, delayMs);
  }

  /** One round, awaited to the end (deliveries included): for tests and benchmarks. Never throws. */
  async tick(): Promise<void> {
    await Promise.all(await this.#startTick());
  }

  /**
   * Expires overdue tasks, asks each batch endpoint once per 100 tasks, and starts handling what
   * came back. Resolves when the fetches are done, with the handling still running.
   */
  async #startTick(): Promise<Promise<void>[]> {
    const now = this.#clock.now();
    const records = [...this.#open.values()].filter((r) => !this.#busy.has(r.id));
    const handling: Promise<void>[] = [];
    for (const record of records) {
      if (record.state === 'pending' && now > record.deadline)
        handling.push(this.#guard(record, () => this.#expire(record)));
      else if (record.kind === 'video' && !this.#live.has(record.id))
        handling.push(this.#guard(record, () => this.#fail(record, t(record.lang, T.interrupted))));
    }
    const pending = (kind: 'mj' | 'suno') => records.filter((r) => r.kind === kind && now <= r.deadline);
    const mj = this.#nextBatch('mj', pending('mj'));
    const suno = this.#nextBatch('suno', pending('suno'));
    const fetches: Promise<Promise<void>[]>[] = [];
    if (mj.length) {
      fetches.push(
        this.#poll(
          mj,
          'midjourney',
          (ids) => this.deps.apicore.mjFetchMany(ids),
          (r, x) => this.#onMj(r, x),
        ),
      );
    }
    if (suno.length) {
      fetches.push(
        this.#poll(
          suno,
          'suno',
          (ids) => this.deps.apicore.sunoFetchMany(ids),
          (r, x) => this.#onSuno(r, x),
        ),
      );
    }
    for (const started of await Promise.all(fetches)) handling.push(...started);
    return handling;
  }

  /**
   * One request per kind a tick, whatever the number pending: up to BATCH_SIZE tasks, taken in
   * turn, so with more pending every task is still asked about every few ticks.
   */
  #nextBatch(kind: 'mj' | 'suno', pending: TaskRecord[]): TaskRecord[] {
    if (pending.length <= BATCH_SIZE) return pending;
    const start = this.#cursor[kind] % pending.length;
    this.#cursor[kind] = start + BATCH_SIZE;
    return [...pending.slice(start), ...pending.slice(0, start)].slice(0, BATCH_SIZE);
  }

  /** One batch request, then each task's handling started on its own. */
  async #poll<T extends { id: string }>(
    batch: TaskRecord[],
    name: string,
    fetch: (ids: string[]) => Promise<T[]>,
    handle: (record: TaskRecord, task: T | undefined) => Promise<void>,
  ): Promise<Promise<void>[]> {
    let tasks: T[];
    try {
      tasks = await fetch(batch.map((r) => r.upstreamId));
    } catch (error) {
      this.deps.log.warn(
        { err: error, tasks: batch.length },
        `${name} batch fetch failed; next tick retries`,
      );
      return [];
    }
    const byId = new Map(tasks.map((task) => [task.id, task]));
    return batch.map((record) => this.#guard(record, () => handle(record, byId.get(record.upstreamId))));
  }

  /** One task's failure never stops the others, and a task is never handled twice at once. */
  async #guard(record: TaskRecord, fn: () => Promise<void>): Promise<void> {
    if (this.#busy.has(record.id)) return;
    this.#busy.add(record.id);
    const run = (async () => {
      try {
        await fn();
      } catch (error) {
        this.deps.log.error(
          { err: error, task: record.id, chat: record.chat.id },
          'task handling failed; next tick retries',
        );
      } finally {
        this.#busy.delete(record.id);
      }
    })();
    this.#handling.add(run);
    await run;
    this.#handling.delete(run);
  }

  async #onMj(record: TaskRecord, task: MjTask | undefined): Promise<void> {
    if (!task) return this.#onMissing(record);
    this.#missing.delete(record.id);
    const lang = record.lang;
    if (task.status === 'SUCCESS' || record.state === 'delivering') {
      await this.#deliver(record, (d) => deliverMj(d, record, task), t(lang, T.mjDone));
    } else if (task.status === 'FAILURE' || task.status === 'CANCEL' || task.status === 'MODAL') {
      await this.#fail(record, task.failReason || task.description || task.status);
    } else if (task.status === 'IN_PROGRESS' && task.progress > 0) {
      this.#show(
        record,
        t(lang, T.mjProgress, { bar: progressBar(task.progress), percent: Math.round(task.progress) }),
      );
    } else {
      this.#show(record, t(lang, T.mjQueued));
    }
  }

  async #onSuno(record: TaskRecord, task: SunoTask | undefined): Promise<void> {
    if (!task) return this.#onMissing(record);
    this.#missing.delete(record.id);
    const lang = record.lang;
    if (task.status === 'SUCCESS' || record.state === 'delivering') {
      let n = 0;
      await this.#deliver(
        record,
        async (d) => {
          n = await deliverSuno(d, record, task);
        },
        () => (record.purpose === 'lyrics' ? t(lang, T.lyricsDone) : t(lang, T.sunoDone, { n })),
      );
    } else if (task.status === 'FAILURE' || task.status === 'UNKNOWN') {
      const clipError = task.clips.find((c) => c.errorMessage)?.errorMessage;
      await this.#fail(record, task.failReason || clipError || t(lang, T.failedUnknown));
    } else if (task.status === 'IN_PROGRESS') {
      const streaming = task.clips.filter((c) => c.status === 'streaming').length;
      this.#show(record, streaming ? t(lang, T.sunoStreaming, { n: streaming }) : t(lang, T.sunoGenerating));
    } else {
      this.#show(record, t(lang, T.sunoQueued));
    }
  }

  async #onMissing(record: TaskRecord): Promise<void> {
    const n = (this.#missing.get(record.id) ?? 0) + 1;
    this.#missing.set(record.id, n);
    if (n >= MISSING_TICKS_LIMIT) await this.#fail(record, t(record.lang, T.lost, { id: record.upstreamId }));
  }

  #context(record: TaskRecord): DeliveryContext | undefined {
    const adapter = this.#adapters.get(record.platform);
    if (!adapter) return undefined;
    const limits = adapter.limits(record.chat);
    const budget = record.chat.kind === 'group' ? limits.groupBudget : limits.privateBudget;
    const scheduler = this.deps.schedulers.for(
      `${adapter.name}:${record.chat.id}`,
      budget,
      limits.minEditIntervalMs,
    );
    return {
      channel: pacedChannel(adapter.channel(record.chat), scheduler),
      limits,
      apicore: this.deps.apicore,
      buttons: this.deps.buttons,
      log: this.deps.log.child({ task: record.id, chat: record.chat.id }),
      save: (r) => this.#tasks.save(r),
    };
  }

  #statusOf(record: TaskRecord): StatusMessage | undefined {
    let status = this.#status.get(record.id);
    if (!status) {
      const d = this.#context(record);
      if (!d) return undefined;
      status = new StatusMessage(d.channel, record.statusMessage, record.shownStatus, d.log, (text) => {
        record.shownStatus = text;
      });
      this.#status.set(record.id, status);
    }
    return status;
  }

  #show(record: TaskRecord, text: string): void {
    this.#statusOf(record)?.set(text);
  }

  async #deliver(
    record: TaskRecord,
    deliver: (d: DeliveryContext) => Promise<void>,
    doneText: string | (() => string),
  ): Promise<void> {
    const d = this.#context(record);
    if (!d) return; // the platform is not running in this process; a later start delivers
    if (record.state !== 'delivering') {
      record.state = 'delivering';
      await this.#tasks.save(record);
    }
    // A part that was being sent when the process died is not sent again; its link goes in the status.
    const interruptedUrl = record.sending ? record.meta.sendingUrl : undefined;
    await deliver(d);
    const text = typeof doneText === 'string' ? doneText : doneText();
    const note = interruptedUrl ? `\n${t(record.lang, T.maybeDelivered, { url: interruptedUrl })}` : '';
    await this.#statusOf(record)?.settle(`${text}${note}`);
    await this.#close(record, 'done');
  }

  async #fail(record: TaskRecord, reason: string): Promise<void> {
    this.deps.log.warn(
      { task: record.id, chat: record.chat.id, user: record.requester.id, reason },
      'task failed',
    );
    const text = reason.startsWith('❌')
      ? reason
      : t(record.lang, T.failed, { reason: reason.length > 300 ? `${reason.slice(0, 300)}…` : reason });
    await this.#statusOf(record)?.settle(text);
    await this.#close(record, 'failed');
  }

  async #expire(record: TaskRecord): Promise<void> {
    await this.#statusOf(record)?.settle(
      t(record.lang, T.expired, { minutes: Math.round(DEADLINE_MS[record.kind] / 60_000) }),
    );
    await this.#close(record, 'expired');
  }

  async #close(record: TaskRecord, state: 'done' | 'failed' | 'expired'): Promise<void> {
    record.state = state;
    record.sending = undefined;
    await this.#tasks.save(record);
    this.#open.delete(record.id);
    this.#status.delete(record.id);
    this.#missing.delete(record.id);
    if (this.#open.size === 0) {
      for (const resolve of this.#idle) resolve();
      this.#idle.clear();
    }
  }
}
