import type { Logger } from 'pino';
import type { JobAttempt, TaskJob, TaskQueue } from '../../core/tasks.js';
import { type Clock, systemClock } from '../../render/scheduler.js';
import { JOB_ATTEMPTS, RETRY_BASE_DELAY_MS, retryDelayMs } from './retry.js';

type Runner = (job: TaskJob, attempt: JobAttempt) => Promise<void>;

interface Entry {
  id: string;
  job: TaskJob;
  attempt: number;
}

interface Tick {
  name: string;
  intervalMs: number;
  run: () => Promise<void>;
}

interface Lane {
  waiting: Entry[];
  running: number;
  concurrency: number;
  run: Runner | undefined;
}

/**
 * The task queue of a bot that runs as one process (SQLite or memory store): ticks on timers, jobs
 * in memory with the same keyed de-duplication, bounded concurrency and retries as the BullMQ
 * queue. Nothing here needs to survive a restart: the poll tick derives every unfinished job
 * again from the records in the store.
 */
export class LocalTaskQueue implements TaskQueue {
  readonly #lanes = new Map<string, Lane>();
  /** Ids waiting, running or waiting for a retry: adding one of these again is a no-op. */
  readonly #known = new Set<string>();
  readonly #ticks: Tick[] = [];
  readonly #timers = new Set<unknown>();
  readonly #active = new Set<Promise<void>>();
  readonly #idle = new Set<() => void>();
  readonly #clock: Clock;
  #stopped = true;

  constructor(
    private readonly log: Logger,
    clock?: Clock,
    private readonly retryBaseMs = RETRY_BASE_DELAY_MS,
  ) {
    this.#clock = clock ?? systemClock;
  }

  every(name: string, intervalMs: number, run: () => Promise<void>): void {
    this.#ticks.push({ name, intervalMs, run });
  }

  async add(lane: string, id: string, job: TaskJob): Promise<void> {
    if (this.#known.has(id)) return;
    this.#known.add(id);
    this.#lane(lane).waiting.push({ id, job, attempt: 1 });
    this.#pump(lane);
  }

  work(lane: string, concurrency: number, run: Runner): void {
    const l = this.#lane(lane);
    l.run = run;
    l.concurrency = concurrency;
    this.#pump(lane);
  }

  async start(): Promise<void> {
    this.#stopped = false;
    for (const tick of this.#ticks) this.#schedule(tick, 0);
    for (const lane of this.#lanes.keys()) this.#pump(lane);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) this.#clock.clearTimeout(timer);
    this.#timers.clear();
    await Promise.allSettled([...this.#active]);
  }

  /** Resolves when no job of a worked lane is waiting or running (retries waiting for their delay excepted). */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.add(resolve));
  }

  #isIdle(): boolean {
    for (const lane of this.#lanes.values()) {
      if (lane.running > 0 || (lane.run && lane.waiting.length > 0)) return false;
    }
    return true;
  }

  #lane(name: string): Lane {
    let lane = this.#lanes.get(name);
    if (!lane) {
      lane = { waiting: [], running: 0, concurrency: 1, run: undefined };
      this.#lanes.set(name, lane);
    }
    return lane;
  }

  #schedule(tick: Tick, delayMs: number): void {
    if (this.#stopped) return;
    const timer = this.#clock.setTimeout(() => {
      this.#timers.delete(timer);
      // The next tick is timed from the end of this one: ticks of one name never overlap.
      const run = tick
        .run()
        .catch((error: unknown) => this.log.error({ err: error, tick: tick.name }, 'tick failed'))
        .finally(() => {
          this.#active.delete(run);
          this.#schedule(tick, tick.intervalMs);
        });
      this.#active.add(run);
    }, delayMs);
    this.#timers.add(timer);
  }

  #pump(name: string): void {
    const lane = this.#lane(name);
    while (lane.run && lane.running < lane.concurrency && lane.waiting.length > 0) {
      const entry = lane.waiting.shift()!;
      lane.running++;
      const run = this.#runOne(name, lane, lane.run, entry).finally(() => {
        this.#active.delete(run);
        lane.running--;
        this.#pump(name);
        if (this.#isIdle()) {
          for (const resolve of this.#idle) resolve();
          this.#idle.clear();
        }
      });
      this.#active.add(run);
    }
  }

  async #runOne(name: string, lane: Lane, run: Runner, entry: Entry): Promise<void> {
    const final = entry.attempt >= JOB_ATTEMPTS;
    try {
      await run(entry.job, { attempt: entry.attempt, final });
      this.#known.delete(entry.id);
    } catch (error) {
      if (final || this.#stopped) {
        this.log.error({ err: error, job: entry.id, attempt: entry.attempt }, 'task job failed; giving up');
        this.#known.delete(entry.id);
        return;
      }
      const delayMs = retryDelayMs(entry.attempt, this.retryBaseMs);
      this.log.warn(
        { err: error, job: entry.id, attempt: entry.attempt, retryInMs: delayMs },
        'task job failed; retrying',
      );
      const timer = this.#clock.setTimeout(() => {
        this.#timers.delete(timer);
        lane.waiting.push({ ...entry, attempt: entry.attempt + 1 });
        this.#pump(name);
      }, delayMs);
      this.#timers.add(timer);
    }
  }
}
