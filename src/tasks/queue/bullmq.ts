import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { JobAttempt, TaskJob, TaskQueue } from '../../core/tasks.js';
import { JOB_ATTEMPTS, RETRY_BASE_DELAY_MS } from './retry.js';

/** How long a worker's hold on a job lasts without renewal: a process killed mid-job frees it after this. */
export const DEFAULT_JOB_LOCK_MS = 30_000;
const TICKS_QUEUE = 'ticks';

export interface BullTaskQueueOptions {
  /** `redis://…` / `rediss://…`, the same server as the store. */
  url: string;
  log: Logger;
  /** Key prefix, so several bots (or tests) can share one Redis. */
  prefix?: string;
  /** See {@link DEFAULT_JOB_LOCK_MS}; the stalled-job check runs at the same interval. */
  lockMs?: number;
  /** The first retry's delay (tests shorten it); {@link RETRY_BASE_DELAY_MS} by default. */
  retryBaseMs?: number;
}

/** BullMQ refuses custom job ids with `:` (its own key separator). */
const jobId = (id: string) => id.replaceAll(':', '|');

/**
 * The task queue of a bot that runs as several processes on one Redis, on BullMQ: each tick is a
 * job scheduler (one job per interval, taken by one worker cluster-wide); each chat job is a BullMQ
 * job with a fixed id (BullMQ ignores an add whose id exists), retried with exponential backoff,
 * and taken over by another process when the one running it dies (stalled-job recovery).
 */
export class BullTaskQueue implements TaskQueue {
  readonly #connection: Redis;
  readonly #queues = new Map<string, Queue>();
  readonly #workers: Worker[] = [];
  readonly #ticks = new Map<string, { intervalMs: number; run: () => Promise<void> }>();
  readonly #lanes = new Map<
    string,
    { concurrency: number; run: (job: TaskJob, a: JobAttempt) => Promise<void> }
  >();
  readonly #prefix: string;
  readonly #lockMs: number;

  constructor(private readonly options: BullTaskQueueOptions) {
    this.#prefix = options.prefix ?? 'apicore-bot';
    this.#lockMs = options.lockMs ?? DEFAULT_JOB_LOCK_MS;
    // Workers block on this connection's duplicates: BullMQ wants no per-request retry limit.
    this.#connection = new Redis(options.url, { maxRetriesPerRequest: null, lazyConnect: true });
    this.#connection.on('error', (error) =>
      options.log.warn({ err: error }, 'task queue: redis connection error'),
    );
  }

  #queue(name: string): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.#connection, prefix: this.#prefix });
      queue.on('error', (error) => this.options.log.warn({ err: error, queue: name }, 'task queue error'));
      this.#queues.set(name, queue);
    }
    return queue;
  }

  every(name: string, intervalMs: number, run: () => Promise<void>): void {
    this.#ticks.set(name, { intervalMs, run });
  }

  async add(lane: string, id: string, job: TaskJob): Promise<void> {
    await this.#queue(`lane-${lane}`).add(job.type, job, {
      jobId: jobId(id),
      attempts: JOB_ATTEMPTS,
      backoff: { type: 'exponential', delay: this.options.retryBaseMs ?? RETRY_BASE_DELAY_MS },
      removeOnComplete: true,
      removeOnFail: true,
    });
  }

  work(lane: string, concurrency: number, run: (job: TaskJob, attempt: JobAttempt) => Promise<void>): void {
    this.#lanes.set(lane, { concurrency, run });
  }

  #worker(name: string, concurrency: number, process: (job: Job) => Promise<void>): Worker {
    const worker = new Worker(name, process, {
      connection: this.#connection,
      prefix: this.#prefix,
      concurrency,
      lockDuration: this.#lockMs,
      stalledInterval: this.#lockMs,
      maxStalledCount: 3,
    });
    worker.on('error', (error) => this.options.log.warn({ err: error, queue: name }, 'task worker error'));
    worker.on('failed', (job, error) => {
      const last = job && job.attemptsMade >= (job.opts.attempts ?? 1);
      this.options.log[last ? 'error' : 'warn'](
        { err: error, job: job?.id, attempt: job?.attemptsMade },
        last ? 'task job failed; giving up' : 'task job failed; retrying',
      );
    });
    this.#workers.push(worker);
    return worker;
  }

  async start(): Promise<void> {
    await this.#connection.connect();
    const ticks = this.#queue(TICKS_QUEUE);
    for (const [name, { intervalMs }] of this.#ticks) {
      // Every process upserts the same schedulers: one job per interval for the whole cluster.
      await ticks.upsertJobScheduler(
        name,
        { every: intervalMs },
        { name, opts: { removeOnComplete: true, removeOnFail: true } },
      );
    }
    if (this.#ticks.size > 0) {
      this.#worker(TICKS_QUEUE, this.#ticks.size, async (job) => {
        await this.#ticks.get(job.name)?.run();
      });
    }
    for (const [lane, { concurrency, run }] of this.#lanes) {
      this.#worker(`lane-${lane}`, concurrency, async (job) => {
        const attempt = job.attemptsMade + 1;
        await run(job.data as TaskJob, { attempt, final: attempt >= (job.opts.attempts ?? 1) });
      });
    }
  }

  /** Lets go at once without finishing or releasing held jobs, as a killed process would (tests). */
  async abandon(): Promise<void> {
    await Promise.allSettled(this.#workers.map((w) => w.close(true)));
    this.#connection.disconnect();
  }

  async stop(): Promise<void> {
    // Workers finish the jobs they hold; what is waiting stays in Redis for the others.
    await Promise.allSettled(this.#workers.map((w) => w.close()));
    await Promise.allSettled([...this.#queues.values()].map((q) => q.close()));
    this.#connection.disconnect();
  }
}
