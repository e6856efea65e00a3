import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ApiCore } from '../core/apicore.js';
import { t } from '../core/i18n.js';
import type { Metrics } from '../core/metrics.js';
import type { PlatformAdapter } from '../core/platform.js';
import type { KeyValue, Store } from '../core/store.js';
import type { TaskKind, TaskQueue, TaskRecord, TaskSubmission, TaskTracker } from '../core/tasks.js';
import { type Clock, type SchedulerRegistry, systemClock } from '../render/scheduler.js';
import type { ButtonRegistry } from '../store/buttons.js';
import type { ChatAccess } from './deliver.js';
import { FAMILIES } from './families/index.js';
import { jobIds, runJob } from './jobs.js';
import { PollTick } from './poll-tick.js';
import { LocalTaskQueue } from './queue/local.js';
import { TaskStore } from './task-store.js';
import { T } from './texts.js';

/** How long each kind may run before the bot gives up (upstreams stop at about 10 minutes). */
export const DEADLINE_MS = {
  ...Object.fromEntries(FAMILIES.map((f) => [f.kind, f.deadlineMs])),
  video: 30 * 60_000,
} as Record<TaskKind, number>;
/** Every kind with an open index: the polled families and the streamed videos. */
const KINDS: readonly TaskKind[] = [...FAMILIES.map((f) => f.kind), 'video'];
/** Chat jobs one process runs at once per platform: each may hold one downloaded file. */
export const DELIVERY_CONCURRENCY = 4;
/** How often a process says it is alive (videos it streams are not "interrupted" while it is). */
const HEARTBEAT_MS = 10_000;
const HEARTBEAT_TTL_MS = 3 * HEARTBEAT_MS;
/** Attempts at the first write of a submitted task before it is kept in memory and retried each tick. */
const TRACK_ATTEMPTS = 3;
const TRACK_RETRY_MS = 200;

export interface PollerDeps {
  store: Store;
  apicore: ApiCore;
  buttons: ButtonRegistry;
  schedulers: SchedulerRegistry;
  log: Logger;
  intervalMs: number;
  clock?: Clock;
  /** Where ticks and jobs run (cluster mode); in this process when absent. */
  queue?: TaskQueue;
  /** Cluster mode: how long a tick's hold on its kind lasts if its instance dies (the job lock). */
  tickHoldMs?: number;
  /** Tasks closed per kind, for /metrics. */
  metrics?: Pick<Metrics, 'taskClosed'> | undefined;
}

/**
 * The task system: records submitted tasks, polls each family once per interval (one instance
 * cluster-wide when the queue is BullMQ), and runs the chat jobs (status, parts, close) for the
 * platforms this process serves. Records live in the store, so any instance, or a restart, picks
 * up where another left off.
 */
export class TaskPoller implements TaskTracker {
  readonly #tasks: TaskStore;
  readonly #queue: TaskQueue;
  readonly #local: LocalTaskQueue | undefined;
  readonly #clock: Clock;
  readonly #ticks: PollTick[];
  readonly #adapters = new Map<string, PlatformAdapter>();
  readonly #heartbeats: KeyValue<number>;
  readonly #instance = randomUUID();
  readonly #unsaved = new Map<string, TaskRecord>();
  readonly #idle = new Set<() => void>();
  #heartbeat: NodeJS.Timeout | undefined;
  #pending = 0;

  constructor(private readonly deps: PollerDeps) {
    this.#tasks = new TaskStore(deps.store);
    this.#clock = deps.clock ?? systemClock;
    this.#local = deps.queue ? undefined : new LocalTaskQueue(deps.log, this.#clock);
    this.#queue = deps.queue ?? this.#local!;
    this.#heartbeats = deps.store.namespace('instances');
    const tickDeps = {
      tasks: this.#tasks,
      queue: this.#queue,
      apicore: deps.apicore,
      exclusive: deps.queue
        ? { claims: deps.store.claims('task-ticks'), holdMs: deps.tickHoldMs ?? 30_000 }
        : undefined,
      cursors: deps.store.namespace<number>('task-cursors'),
      log: deps.log,
      now: () => this.#clock.now(),
    };
    this.#ticks = FAMILIES.map((family) => new PollTick(tickDeps, family));
    for (const tick of this.#ticks) {
      this.#queue.every(`poll-${tick.kind}`, deps.intervalMs, () => this.#afterTick(tick.run()));
    }
    this.#queue.every('videos', deps.intervalMs, () => this.#afterTick(this.#checkVideos()));
  }

  /** Starts ticking and working the lanes of these platforms. */
  async start(adapters: readonly PlatformAdapter[]): Promise<void> {
    for (const a of adapters) {
      this.#adapters.set(a.name, a);
      this.#queue.work(a.name, DELIVERY_CONCURRENCY, (job, attempt) => runJob(this.#jobDeps, job, attempt));
    }
    await this.#beat();
    this.#heartbeat = setInterval(() => void this.#beat(), HEARTBEAT_MS);
    this.#heartbeat.unref();
    await this.#countOpen();
    if (this.#pending > 0) this.deps.log.info({ tasks: this.#pending }, 'resuming pending tasks');
    await this.#queue.start();
  }

  async stop(): Promise<void> {
    clearInterval(this.#heartbeat);
    // Jobs under way finish; what is still pending stays in the store (and in Redis) for the next start.
    await this.#queue.stop();
  }

  /** Open tasks per kind, counted now from the store's indexes (for /metrics, at scrape time). */
  async pendingByKind(): Promise<Record<string, number>> {
    const counts = await Promise.all(KINDS.map(async (k) => [k, (await this.#tasks.openIds(k)).length]));
    return Object.fromEntries(counts);
  }

  /** Open tasks, as last counted (for /healthz). */
  get pending(): number {
    return this.#pending;
  }

  /** Resolves when no task is open (used by the console to exit once work is done). */
  idle(): Promise<void> {
    if (this.#pending === 0 && this.#unsaved.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  /** One round of every tick, awaited with the chat jobs it started (in-process queue): for tests. */
  async tick(): Promise<void> {
    await this.#afterTick(Promise.all(this.#ticks.map((tick) => tick.run())).then(() => this.#checkVideos()));
    await this.#local?.idle();
    await this.#countOpen();
  }

  get #jobDeps() {
    return {
      tasks: this.#tasks,
      queue: this.#queue,
      log: this.deps.log,
      access: (record: TaskRecord) => this.#access(record),
      onClosed: (record: TaskRecord) => {
        this.deps.metrics?.taskClosed(record.kind, record.state === 'failed' ? 'failed' : 'done');
        void this.#countOpen();
      },
    };
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
      wantedStatus: '',
      parts: [],
      outcome: undefined,
      misses: 0,
      owner: submission.kind === 'video' ? this.#instance : undefined,
      meta: submission.meta ?? {},
    };
    this.#pending++;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#tasks.create(record);
        return record;
      } catch (error) {
        if (attempt < TRACK_ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, TRACK_RETRY_MS * attempt));
          continue;
        }
        // The upstream took (and charged) the task: never orphan it. Kept here, written at each tick.
        this.deps.log.error(
          { err: error, task: record.id },
          'task could not be recorded; keeping it in memory',
        );
        this.#unsaved.set(record.id, record);
        return record;
      }
    }
  }

  async finish(id: string, state: 'done' | 'failed'): Promise<void> {
    this.#unsaved.delete(id);
    const record = await this.#tasks.get(id);
    if (!record) return;
    record.state = state;
    await this.#tasks.save(record);
    await this.#countOpen();
  }

  async #afterTick(run: Promise<unknown>): Promise<void> {
    await run;
    for (const [id, record] of this.#unsaved) {
      try {
        await this.#tasks.create(record);
        this.#unsaved.delete(id);
      } catch {
        // still failing: the next tick tries again
      }
    }
    await this.#countOpen();
  }

  async #countOpen(): Promise<void> {
    try {
      const counts = await Promise.all(KINDS.map((k) => this.#tasks.openIds(k)));
      this.#pending = counts.reduce((n, ids) => n + ids.length, 0) + this.#unsaved.size;
    } catch (error) {
      this.deps.log.warn({ err: error }, 'open tasks could not be counted');
      return;
    }
    if (this.#pending === 0) {
      for (const resolve of this.#idle) resolve();
      this.#idle.clear();
    }
  }

  async #beat(): Promise<void> {
    try {
      await this.#heartbeats.set(this.#instance, this.#clock.now(), HEARTBEAT_TTL_MS);
    } catch (error) {
      this.deps.log.warn({ err: error }, 'heartbeat could not be written');
    }
  }

  /** Videos stream in the process that took them; one whose process is gone was cut. */
  async #checkVideos(): Promise<void> {
    for (const id of await this.#tasks.openIds('video')) {
      const record = await this.#tasks.get(id);
      if (!record) continue; // written index-first: the record may be on its way
      if (record.outcome) {
        await this.#queue.add(record.platform, jobIds.close(id), { type: 'close', taskId: id });
        continue;
      }
      if (record.state !== 'pending') {
        await this.#tasks.unindex('video', id);
        continue;
      }
      if (record.owner && (await this.#heartbeats.get(record.owner)) !== undefined) continue;
      record.outcome = { state: 'failed', text: t(record.lang, T.interrupted) };
      await this.#tasks.save(record);
      await this.#queue.add(record.platform, jobIds.close(id), { type: 'close', taskId: id });
    }
  }

  #access(record: TaskRecord): ChatAccess | undefined {
    const adapter = this.#adapters.get(record.platform);
    if (!adapter) return undefined;
    const limits = adapter.limits(record.chat);
    const budget = record.chat.kind === 'group' ? limits.groupBudget : limits.privateBudget;
    return {
      channel: adapter.channel(record.chat),
      scheduler: this.deps.schedulers.for(
        `${adapter.name}:${record.chat.id}`,
        budget,
        limits.minEditIntervalMs,
      ),
      limits,
      apicore: this.deps.apicore,
      buttons: this.deps.buttons,
      log: this.deps.log.child({ task: record.id, chat: record.chat.id }),
    };
  }
}
