/** A budget of operations: at most `count` within any window of `perMs`. */
export interface Budget {
  count: number;
  perMs: number;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface Waiter {
  messageKey: string;
  /** Final edits: skip the message's interval, go first. */
  urgent: boolean;
  seq: number;
  resolve: () => void;
}

/**
 * Paces the sends and edits of one chat. Every answer streaming in the chat asks it for a slot
 * before each request, so they share the chat's budget instead of each pretending to own it.
 * Grants go to the waiter that may go earliest (its message's own interval and the chat's window
 * both respected); final edits skip the message interval and go before intermediate ones.
 */
export class ChatScheduler {
  readonly #sent: number[] = []; // times of recent operations, oldest first
  readonly #lastByMessage = new Map<string, number>();
  readonly #waiters: Waiter[] = [];
  #timer: unknown;
  #seq = 0;

  constructor(
    private readonly budget: Budget,
    private readonly minEditIntervalMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Resolves when one operation on `messageKey` may go; the operation is counted then. */
  acquire(messageKey: string, urgent = false): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.push({ messageKey, urgent, seq: this.#seq++, resolve });
      this.#pump();
    });
  }

  /**
   * Makes a message's pending requests urgent: its answer has just ended, so the waiting request
   * becomes the final one and must not sit out the per-message interval.
   */
  promote(messageKey: string): void {
    let changed = false;
    for (const w of this.#waiters) {
      if (w.messageKey === messageKey && !w.urgent) {
        w.urgent = true;
        changed = true;
      }
    }
    if (changed) this.#pump();
  }

  /** Forgets a finished message's pacing state. */
  release(messageKey: string): void {
    this.#lastByMessage.delete(messageKey);
  }

  /** Waiters not yet granted, for tests and to tell when a chat is idle. */
  get pending(): number {
    return this.#waiters.length;
  }

  /** True when forgetting this scheduler cannot break the budget: nothing waits, nothing recent. */
  quiet(now: number): boolean {
    const last = this.#sent[this.#sent.length - 1];
    return (
      this.#waiters.length === 0 &&
      (last === undefined || last <= now - Math.max(this.budget.perMs, this.minEditIntervalMs))
    );
  }

  #readyAt(w: Waiter, now: number): number {
    while (this.#sent.length > 0 && this.#sent[0]! <= now - this.budget.perMs) this.#sent.shift();
    const windowReady =
      this.#sent.length < this.budget.count
        ? now
        : this.#sent[this.#sent.length - this.budget.count]! + this.budget.perMs;
    // A final edit goes as soon as the chat's window allows: the per-message interval only thins
    // out intermediate edits, and waiting it out would delay the whole answer's last words.
    const last = w.urgent ? undefined : this.#lastByMessage.get(w.messageKey);
    const messageReady = last === undefined ? now : last + this.minEditIntervalMs;
    return Math.max(windowReady, messageReady);
  }

  #pump(): void {
    if (this.#timer !== undefined) {
      this.clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const now = this.clock.now();
    let best: Waiter | undefined;
    let bestAt = Number.POSITIVE_INFINITY;
    for (const w of this.#waiters) {
      const at = this.#readyAt(w, now);
      const better =
        at < bestAt ||
        (at === bestAt &&
          best !== undefined &&
          (w.urgent && !best.urgent ? true : w.urgent === best.urgent && w.seq < best.seq));
      if (better) {
        best = w;
        bestAt = at;
      }
    }
    if (!best) return;
    if (bestAt > now) {
      this.#timer = this.clock.setTimeout(() => {
        this.#timer = undefined;
        this.#pump();
      }, bestAt - now);
      return;
    }
    this.#waiters.splice(this.#waiters.indexOf(best), 1);
    this.#sent.push(now);
    this.#lastByMessage.set(best.messageKey, now);
    best.resolve();
    if (this.#waiters.length > 0) this.#pump();
  }
}

/** One scheduler per chat, made on first use with the budgets the platform declares for it. */
export class SchedulerRegistry {
  readonly #byChat = new Map<string, ChatScheduler>();
  constructor(private readonly clock: Clock = systemClock) {}

  for(chatKey: string, budget: Budget, minEditIntervalMs: number): ChatScheduler {
    let s = this.#byChat.get(chatKey);
    if (!s) {
      s = new ChatScheduler(budget, minEditIntervalMs, this.clock);
      this.#byChat.set(chatKey, s);
    }
    return s;
  }

  /** Drops quiet schedulers, so idle chats cost no memory. */
  sweep(): void {
    const now = this.clock.now();
    for (const [key, s] of this.#byChat) if (s.quiet(now)) this.#byChat.delete(key);
  }
}
