import type { Logger } from 'pino';
import type { Store } from '../core/store.js';

/**
 * How often the app calls {@link Store.sweep}. Expired rate counters, claims and buttons are already
 * invisible to reads; the sweep only gives their space back, so every ten minutes is plenty and costs
 * nothing noticeable.
 */
export const STORE_SWEEP_INTERVAL_MS = 10 * 60_000;

export interface SweepOptions {
  /** Where a failed sweep is reported (warn) and a sweep that removed something (debug). */
  log?: Logger | undefined;
  intervalMs?: number | undefined;
}

/**
 * Calls `store.sweep()` every `intervalMs` (default {@link STORE_SWEEP_INTERVAL_MS}) until the answered
 * function is called. The timer is unref'd, so it never keeps the process alive; a sweep still running
 * when the next one is due is not overlapped; a failure is logged and the next sweep tries again.
 */
export function sweepPeriodically(store: Store, options: SweepOptions = {}): () => void {
  const intervalMs = options.intervalMs ?? STORE_SWEEP_INTERVAL_MS;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    store
      .sweep()
      .then(
        (swept) => {
          if (swept > 0) options.log?.debug({ swept }, 'store sweep');
        },
        (error: unknown) => options.log?.warn({ err: error }, 'store sweep failed'),
      )
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
