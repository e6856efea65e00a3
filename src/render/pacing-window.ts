import type { Budget } from '../core/platform.js';

/**
 * Longest an operation counts as in flight when its caller never says it came back (a hung
 * request, a caller that forgot): after this, it counts as having happened at its grant time plus
 * this, and its place in the window frees up as usual.
 */
export const IN_FLIGHT_MAX_MS = 2_000;

/** One granted operation: in flight until it lands (its request came back) or goes stale. */
export interface Flight {
  readonly grantedAt: number;
  /** When it counts as having happened; undefined while in flight. */
  landedAt: number | undefined;
}

/**
 * A sliding log of operations for one budget (at most `count` in any window of `perMs`) in which a
 * granted operation is stamped when it lands, not when it was granted. Until then it holds a place
 * in the window at the latest possible time: a request that leaves late (a saturated event loop, a
 * connection still opening) can never put two operations closer together at the platform than the
 * budget allows, since each one's stamp comes after the platform saw it.
 */
export class PacingWindow {
  /** Landing times within the window, oldest first. */
  readonly #stamps: number[] = [];
  /** In grant order, so the oldest goes stale first. */
  readonly #flying = new Set<Flight>();

  constructor(
    readonly budget: Budget,
    private readonly maxFlightMs = IN_FLIGHT_MAX_MS,
  ) {}

  /**
   * When the next operation may start: `now` when there is room; otherwise a later time to look
   * again (when the oldest stamp that blocks leaves the window, or when the oldest flight goes
   * stale). A landing before then frees room too: ask again after `land`.
   */
  readyAt(now: number): number {
    this.#settleStale(now);
    const { count, perMs } = this.budget;
    const stamps = this.#stamps;
    while (stamps.length > 0 && stamps[0]! <= now - perMs) stamps.shift();
    const n = stamps.length + this.#flying.size;
    if (n < count) return now;
    const blocking = n - count; // the entry that must leave the window first (flights are the newest)
    if (blocking < stamps.length) return stamps[blocking]! + perMs;
    const oldest = this.#flying.values().next().value as Flight;
    return oldest.grantedAt + this.maxFlightMs;
  }

  /** Counts an operation granted now; it holds its place until `land` (or it goes stale). */
  take(now: number): Flight {
    const flight: Flight = { grantedAt: now, landedAt: undefined };
    this.#flying.add(flight);
    return flight;
  }

  /** The operation's request came back (or, for callers that cannot tell, was just granted). */
  land(flight: Flight, now: number): void {
    if (!this.#flying.delete(flight)) return;
    flight.landedAt = now;
    this.#stamp(now);
  }

  /** Takes back an operation that never went (a second budget refused it). */
  cancel(flight: Flight): void {
    if (this.#flying.delete(flight)) flight.landedAt = flight.grantedAt;
  }

  /** Operations granted and not yet landed. */
  get inFlight(): number {
    return this.#flying.size;
  }

  /** The newest landing, if any is still remembered. */
  get lastAt(): number | undefined {
    return this.#stamps[this.#stamps.length - 1];
  }

  /** Nothing in flight and nothing within `windowMs` (at least the budget's window) of `now`. */
  quiet(now: number, windowMs = this.budget.perMs): boolean {
    this.#settleStale(now);
    const last = this.lastAt;
    return (
      this.#flying.size === 0 && (last === undefined || last <= now - Math.max(windowMs, this.budget.perMs))
    );
  }

  #settleStale(now: number): void {
    for (const flight of this.#flying) {
      const staleAt = flight.grantedAt + this.maxFlightMs;
      if (staleAt > now) break;
      this.#flying.delete(flight);
      flight.landedAt = staleAt;
      this.#stamp(staleAt);
    }
  }

  #stamp(at: number): void {
    const stamps = this.#stamps;
    let i = stamps.length;
    while (i > 0 && stamps[i - 1]! > at) i--;
    stamps.splice(i, 0, at);
  }
}
