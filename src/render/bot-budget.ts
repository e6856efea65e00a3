import type { Budget } from '../core/platform.js';
import { type Flight, IN_FLIGHT_MAX_MS, PacingWindow } from './pacing-window.js';
import type { Clock } from './scheduler.js';

/** Hands a chat the bot-wide slot it asked for; the chat must `land` or `giveBack` the flight. */
export type BotGrant = (flight: Flight) => void;

interface Request {
  chatKey: string;
  grant: BotGrant;
}

/**
 * One platform's bot-wide budget in this process (Telegram: about 30 sends + edits a second across
 * all chats), one level above the chat schedulers. A chat asks only when one of its operations may
 * go by its own budgets, with at most one request at a time, so each chat is one turn in a round
 * robin however many answers stream in it: a busy group gets one turn in N, as a private chat does.
 * Urgent requests (a send, a final text) go before any intermediate edit; a chat whose best waiter
 * becomes urgent moves to the urgent line. Operations are stamped when the chat says the request
 * came back (see `PacingWindow`), so a saturated event loop cannot release a burst.
 */
export class BotBudget {
  readonly #window: PacingWindow;
  /** Waiting chats, in turn order (a Map keeps insertion order: re-asking goes to the back). */
  readonly #urgent = new Map<string, Request>();
  readonly #normal = new Map<string, Request>();
  #timer: unknown;
  #timerAt = Number.POSITIVE_INFINITY;
  /** A grant callback runs inside the pump; what it changes is seen by the pump's next round. */
  #pumping = false;

  constructor(
    readonly budget: Budget,
    private readonly clock: Clock,
    maxFlightMs = IN_FLIGHT_MAX_MS,
  ) {
    this.#window = new PacingWindow(budget, maxFlightMs);
  }

  /**
   * `chatKey` wants one slot; `grant` is called (synchronously, from here or a timer) when it is its
   * turn. Asking again while waiting only updates the callback and, when urgent, moves the chat to
   * the urgent line (never back).
   */
  request(chatKey: string, urgent: boolean, grant: BotGrant): void {
    const queued = this.#urgent.get(chatKey);
    if (queued) {
      queued.grant = grant;
      return;
    }
    const normal = this.#normal.get(chatKey);
    if (normal && !urgent) {
      normal.grant = grant;
      return;
    }
    if (normal) this.#normal.delete(chatKey);
    (urgent ? this.#urgent : this.#normal).set(chatKey, { chatKey, grant });
    this.#pump();
  }

  /** The chat no longer needs the slot it asked for. */
  cancel(chatKey: string): void {
    this.#urgent.delete(chatKey);
    this.#normal.delete(chatKey);
  }

  /** The granted operation's request came back: stamped now. */
  land(flight: Flight): void {
    this.#window.land(flight, this.clock.now());
    this.#pump();
  }

  /** The granted slot went unused (the chat had nothing ready any more, or Redis refused). */
  giveBack(flight: Flight): void {
    this.#window.cancel(flight);
    this.#pump();
  }

  /** Chats waiting for a turn, for tests and metrics. */
  get waiting(): number {
    return this.#urgent.size + this.#normal.size;
  }

  /** Operations granted whose requests have not come back. */
  get inFlight(): number {
    return this.#window.inFlight;
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (;;) {
        const line = this.#urgent.size > 0 ? this.#urgent : this.#normal;
        const next = line.values().next().value as Request | undefined;
        if (!next) {
          this.#clearTimer();
          return;
        }
        const now = this.clock.now();
        const at = this.#window.readyAt(now);
        if (at > now) {
          this.#wakeAt(at, now);
          return;
        }
        line.delete(next.chatKey);
        next.grant(this.#window.take(now));
      }
    } finally {
      this.#pumping = false;
    }
  }

  #wakeAt(at: number, now: number): void {
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    this.#clearTimer();
    this.#timerAt = at;
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#pump();
    }, at - now);
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }
}
