import type { Budget } from '../core/platform.js';
import type { SharedBudget } from '../core/shared-budget.js';
import { type Clock, systemClock } from './scheduler.js';

/** Purge keys whose grants have all left their window once per this many takes. */
const PURGE_EVERY_TAKES = 1000;

/**
 * A SharedBudget inside one process: a log of grant times per key, the same sliding window as the
 * Redis one. For tests, and for a bot-wide budget in a single process.
 */
export class MemorySharedBudget implements SharedBudget {
  readonly #logs = new Map<string, { perMs: number; times: number[] }>();
  #takes = 0;

  constructor(private readonly clock: Clock = systemClock) {}

  async take(key: string, budget: Budget): Promise<number> {
    const now = this.clock.now();
    if (++this.#takes % PURGE_EVERY_TAKES === 0) this.#purge(now);
    let log = this.#logs.get(key);
    if (!log) {
      log = { perMs: budget.perMs, times: [] };
      this.#logs.set(key, log);
    }
    log.perMs = budget.perMs;
    const times = log.times;
    while (times.length > 0 && times[0]! <= now - budget.perMs) times.shift();
    if (times.length < budget.count) {
      times.push(now);
      return 0;
    }
    return times[times.length - budget.count]! + budget.perMs - now;
  }

  async refund(key: string): Promise<void> {
    this.#logs.get(key)?.times.pop();
  }

  #purge(now: number): void {
    for (const [key, log] of this.#logs) {
      const last = log.times[log.times.length - 1];
      if (last === undefined || last <= now - log.perMs) this.#logs.delete(key);
    }
  }
}
