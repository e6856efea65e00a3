import type { Logger } from 'pino';
import type { Budget, PlatformAdapter } from '../core/platform.js';
import type { SharedBudget } from '../core/shared-budget.js';
import { BotBudget } from './bot-budget.js';
import { type Flight, IN_FLIGHT_MAX_MS, PacingWindow } from './pacing-window.js';

export type { Budget };

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

/** How long one question to the shared budget may take before the chat goes on without it. */
export const SHARED_TIMEOUT_MS = 1000;
/** After the shared budget failed, how long chats pace with their own budgets before asking again. */
export const SHARED_RETRY_MS = 5000;

/**
 * What answers, task status messages and replies pace themselves with: one chat's budget. The
 * registry hands out handles of this type that find the chat's live scheduler on every call, so
 * holding one never keeps a second budget alive for the chat.
 */
export interface ChatScheduler {
  /** Resolves when one operation on `messageKey` may go; the operation is counted then. */
  acquire(messageKey: string, urgent?: boolean): Promise<void>;
  /**
   * Resolves when one operation on `messageKey` may go, with `end` to call once its request came
   * back (or failed): it holds its place in the chat's and the bot's windows until then and is
   * stamped at that moment, so no two operations reach the platform closer than the budget allows
   * however late the request left. `release` ends what its caller forgot; a flight nobody ends
   * counts as landed `IN_FLIGHT_MAX_MS` after its grant.
   */
  begin(messageKey: string, urgent?: boolean): Promise<End>;
  /** Makes a message's waiting requests urgent: its answer has just ended. */
  promote(messageKey: string): void;
  /** Forgets a finished message's pacing state. */
  release(messageKey: string): void;
  /**
   * Takes back a message's requests not yet granted (the answer ended before they had their turn):
   * each resolves with `WITHDRAWN` and spends nothing. True when there was one.
   */
  withdraw(messageKey: string): boolean;
  /** Waiters not yet granted, for tests and to tell when a chat is idle. */
  readonly pending: number;
}

/** One chat's way to the shared budget: 0 when a slot was taken there, else the ms to wait. */
export interface SharedSlot {
  take(): Promise<number>;
}

/** One chat's way to its platform's bot-wide budget in this process. */
export interface BotSlot {
  budget: BotBudget;
  chatKey: string;
}

/** Says that a granted operation's request came back (or failed); idempotent. */
export type End = () => void;

/** What `begin` resolves with for a request taken back by `withdraw`: nothing may be sent. */
export const WITHDRAWN: End = () => {};

interface Waiter {
  messageKey: string;
  /** Final edits: skip the message's interval, go first. */
  urgent: boolean;
  seq: number;
  /** `acquire`: stamped at the grant, since the caller never says when its request came back. */
  landAtGrant: boolean;
  resolve: (end: End) => void;
}

/**
 * Paces the sends and edits of one chat. Every answer streaming in the chat asks it for a slot
 * before each request, so they share the chat's budget instead of each pretending to own it.
 * Grants go to the waiter that may go earliest (its message's own interval and the chat's window
 * both respected); final edits skip the message interval and go before intermediate ones.
 *
 * An operation taken with `begin` holds its place in the windows until its `end` is called (the
 * request came back), and is stamped then: the platform saw it before that, so the next one can
 * never arrive closer than the budget allows, however late a busy event loop let this one leave.
 *
 * With a `bot` slot, a grant also needs a turn in the platform's bot-wide budget (fair between
 * chats, urgent first). With a `shared` slot (other processes posting into the same chat, or as
 * the same bot), a grant also needs a slot there: one question at a time, and the slot goes to
 * whoever may go first when the answer comes, so the order stays as without it. Without either,
 * grants are synchronous.
 */
export class LiveChatScheduler implements ChatScheduler {
  readonly #window: PacingWindow;
  readonly #lastByMessage = new Map<string, number>();
  /** Operations of each message not yet ended by their caller, with the way to end them. */
  readonly #flightsByMessage = new Map<string, Map<Flight, End>>();
  readonly #waiters: Waiter[] = [];
  #timer: unknown;
  #seq = 0;
  /** A question to the shared budget is in flight; its answer pumps again. */
  #asking = false;
  /** The shared budget has no room before this time. */
  #sharedReadyAt = Number.NEGATIVE_INFINITY;
  /** Waiting for a turn in the bot-wide budget. */
  #botAsked = false;
  /** A bot-wide slot in hand, not yet given to a waiter (while the shared budget is asked). */
  #botFlight: Flight | undefined;

  constructor(
    private readonly budget: Budget,
    private readonly minEditIntervalMs: number,
    private readonly clock: Clock = systemClock,
    private readonly shared?: SharedSlot,
    private readonly bot?: BotSlot,
  ) {
    this.#window = new PacingWindow(budget);
  }

  /**
   * Resolves when one operation on `messageKey` may go; it is counted as happening then. For code
   * that cannot tell when its request came back; `begin` is the better choice where it can.
   */
  acquire(messageKey: string, urgent = false): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.push({
        messageKey,
        urgent,
        seq: this.#seq++,
        landAtGrant: true,
        resolve: () => resolve(),
      });
      this.#pump();
    });
  }

  /**
   * Resolves when one operation on `messageKey` may go, with the function to call once its request
   * came back (or failed): the operation is stamped then (see the class).
   */
  begin(messageKey: string, urgent = false): Promise<End> {
    return new Promise((resolve) => {
      this.#waiters.push({ messageKey, urgent, seq: this.#seq++, landAtGrant: false, resolve });
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

  withdraw(messageKey: string): boolean {
    const taken = this.#waiters.filter((w) => w.messageKey === messageKey);
    if (taken.length === 0) return false;
    for (const w of taken) this.#waiters.splice(this.#waiters.indexOf(w), 1);
    for (const w of taken) w.resolve(WITHDRAWN);
    this.#pump();
    return true;
  }

  /** Forgets a finished message; an operation of it still in flight counts as ended now. */
  release(messageKey: string): void {
    const flights = this.#flightsByMessage.get(messageKey);
    if (flights) for (const end of [...flights.values()]) end();
    this.#flightsByMessage.delete(messageKey);
    this.#lastByMessage.delete(messageKey);
  }

  get pending(): number {
    return this.#waiters.length;
  }

  /** True when forgetting this scheduler cannot break the budget: nothing waits, nothing recent. */
  quiet(now: number): boolean {
    return (
      this.#waiters.length === 0 &&
      !this.#asking &&
      !this.#botAsked &&
      this.#botFlight === undefined &&
      this.#window.quiet(now, this.minEditIntervalMs)
    );
  }

  #readyAt(w: Waiter, now: number): number {
    const windowReady = this.#window.readyAt(now);
    // A final edit goes as soon as the chat's window allows: the per-message interval only thins
    // out intermediate edits, and waiting it out would delay the whole answer's last words.
    const messageReady = w.urgent ? now : this.#messageReadyAt(w.messageKey, now);
    return Math.max(windowReady, messageReady, this.#sharedReadyAt);
  }

  /** One interval after the message's last operation landed; while one is in flight, not yet. */
  #messageReadyAt(messageKey: string, now: number): number {
    let last = this.#lastByMessage.get(messageKey);
    const flights = this.#flightsByMessage.get(messageKey);
    if (flights) {
      for (const flight of flights.keys()) {
        if (flight.landedAt === undefined) return flight.grantedAt + IN_FLIGHT_MAX_MS; // look again then
        last = Math.max(last ?? flight.landedAt, flight.landedAt);
        flights.delete(flight); // landed by going stale: its caller never ended it
      }
      this.#flightsByMessage.delete(messageKey);
      if (last !== undefined) this.#lastByMessage.set(messageKey, last);
    }
    return last === undefined ? now : last + this.minEditIntervalMs;
  }

  /** The waiter that may go first (urgent before others at the same time, then in order). */
  #best(now: number): { best: Waiter | undefined; at: number } {
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
    return { best, at: bestAt };
  }

  #grant(w: Waiter, now: number): void {
    this.#waiters.splice(this.#waiters.indexOf(w), 1);
    const flight = this.#window.take(now);
    const botFlight = this.#botFlight;
    this.#botFlight = undefined;
    const key = w.messageKey;
    let ended = false;
    const land = (pump: boolean) => {
      if (ended) return;
      ended = true;
      const at = this.clock.now();
      this.#window.land(flight, at);
      const flights = this.#flightsByMessage.get(key);
      if (flights?.delete(flight) && flights.size === 0) this.#flightsByMessage.delete(key);
      this.#lastByMessage.set(key, Math.max(this.#lastByMessage.get(key) ?? at, at));
      if (botFlight && this.bot) this.bot.budget.land(botFlight);
      if (pump) this.#pump();
    };
    if (w.landAtGrant) {
      land(false);
      w.resolve(() => {});
      return;
    }
    const end: End = () => land(true);
    const flights = this.#flightsByMessage.get(key) ?? new Map<Flight, End>();
    this.#flightsByMessage.set(key, flights);
    flights.set(flight, end);
    w.resolve(end);
  }

  #pump(): void {
    if (this.#asking) return;
    if (this.#timer !== undefined) {
      this.clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const now = this.clock.now();
    const { best, at } = this.#best(now);
    if (!best || at > now) {
      this.#stopAskingBot();
      if (best && Number.isFinite(at)) {
        this.#timer = this.clock.setTimeout(() => {
          this.#timer = undefined;
          this.#pump();
        }, at - now);
      }
      return;
    }
    if (this.bot && this.#botFlight === undefined) {
      // One request at a time; asking again only makes it urgent when the best waiter now is.
      this.#botAsked = true;
      this.bot.budget.request(this.bot.chatKey, best.urgent, this.#onBotTurn);
      return;
    }
    this.#go(best, now);
  }

  /** Our turn in the bot-wide budget: the slot goes to whoever may go first now. */
  readonly #onBotTurn = (flight: Flight): void => {
    this.#botAsked = false;
    this.#botFlight = flight;
    const now = this.clock.now();
    const { best, at } = this.#best(now);
    if (best && at <= now) this.#go(best, now);
    else {
      this.#giveBackBot();
      this.#pump();
    }
  };

  /** `best` may go now, with the bot-wide slot in hand if there is a bot-wide budget. */
  #go(best: Waiter, now: number): void {
    if (!this.shared) {
      this.#grant(best, now);
      if (this.#waiters.length > 0) this.#pump();
      return;
    }
    this.#asking = true;
    this.shared.take().then(
      (waitMs) => this.#answered(waitMs),
      () => this.#answered(0), // a SharedSlot falls back itself; never let a bad one stall the chat
    );
  }

  #answered(waitMs: number): void {
    this.#asking = false;
    const now = this.clock.now();
    if (waitMs > 0) {
      this.#sharedReadyAt = now + waitMs;
    } else {
      // The slot goes to whoever may go first now: a final edit may have arrived meanwhile. Someone
      // is ready, since nothing was granted while asking and readiness only grows with time.
      const { best, at } = this.#best(now);
      if (best && at <= now) this.#grant(best, now);
    }
    this.#giveBackBot();
    this.#pump();
  }

  #stopAskingBot(): void {
    if (this.#botAsked && this.bot) this.bot.budget.cancel(this.bot.chatKey);
    this.#botAsked = false;
    this.#giveBackBot();
  }

  #giveBackBot(): void {
    const flight = this.#botFlight;
    if (flight === undefined) return;
    this.#botFlight = undefined;
    this.bot?.budget.giveBack(flight);
  }
}

/**
 * `new ChatScheduler(budget, interval)` still makes a standalone scheduler (tests, one-off pacing);
 * the type `ChatScheduler` is what callers hold, scheduler or registry handle.
 */
export const ChatScheduler = LiveChatScheduler;

export interface SchedulerRegistryOptions {
  /** Budgets shared with other processes; absent, each chat is paced by this process alone. */
  shared?: SharedBudget | undefined;
  /**
   * Bot-wide budgets by platform name (the part of the chat key before the first `:`): one level
   * above the chat schedulers in this process (a round robin between chats, urgent first, see
   * `BotBudget`), and with `shared` across processes too. `botBudgetsOf(adapters)` reads them from
   * the adapters' limits.
   */
  botBudgets?: Readonly<Record<string, Budget>> | undefined;
  /** Where a failing shared budget is reported (once per outage). */
  log?: Logger | undefined;
  /** A number in [0, 1) spreading retries after a bot-wide refusal; Math.random by default (tests pin it). */
  jitter?: (() => number) | undefined;
}

/**
 * One scheduler per chat, made on first use with the budgets the platform declares for it. Callers
 * get handles, never the scheduler: a handle finds the chat's live scheduler on every call (making
 * it again after a sweep), so a chat never runs on two budgets however long an answer or a task's
 * status message keeps its handle.
 */
export class SchedulerRegistry {
  readonly #byChat = new Map<string, LiveChatScheduler>();
  readonly #shared: SharedPacing | undefined;
  readonly #botBudgets = new Map<string, BotBudget>();

  constructor(
    private readonly clock: Clock = systemClock,
    options: SchedulerRegistryOptions = {},
  ) {
    for (const [platform, budget] of Object.entries(options.botBudgets ?? {})) {
      if (budget.count > 0) this.#botBudgets.set(platform, new BotBudget(budget, clock));
    }
    this.#shared = options.shared
      ? new SharedPacing(
          options.shared,
          options.botBudgets ?? {},
          clock,
          options.log,
          options.jitter ?? Math.random,
        )
      : undefined;
  }

  /** A handle on `chatKey`'s scheduler (`<platform>:<chat id>`). */
  for(chatKey: string, budget: Budget, minEditIntervalMs: number): ChatScheduler {
    const live = () => this.#live(chatKey, budget, minEditIntervalMs);
    const existing = () => this.#byChat.get(chatKey);
    return {
      acquire: (messageKey, urgent) => live().acquire(messageKey, urgent),
      begin: (messageKey, urgent) => live().begin(messageKey, urgent),
      // Without a live scheduler there is nothing waiting to promote and nothing left to forget.
      promote: (messageKey) => existing()?.promote(messageKey),
      release: (messageKey) => existing()?.release(messageKey),
      withdraw: (messageKey) => existing()?.withdraw(messageKey) ?? false,
      get pending() {
        return existing()?.pending ?? 0;
      },
    };
  }

  /** Chats with a live scheduler, for tests and metrics. */
  get size(): number {
    return this.#byChat.size;
  }

  /** A platform's bot-wide budget in this process, if it has one (tests, metrics). */
  botBudget(platform: string): BotBudget | undefined {
    return this.#botBudgets.get(platform);
  }

  /** Drops quiet schedulers, so idle chats cost no memory. */
  sweep(): void {
    const now = this.clock.now();
    for (const [key, s] of this.#byChat) if (s.quiet(now)) this.#byChat.delete(key);
  }

  #live(chatKey: string, budget: Budget, minEditIntervalMs: number): LiveChatScheduler {
    let s = this.#byChat.get(chatKey);
    if (!s) {
      const platform = platformOf(chatKey, this.#botBudgets);
      const bot = platform === undefined ? undefined : this.#botBudgets.get(platform);
      s = new LiveChatScheduler(
        budget,
        minEditIntervalMs,
        this.clock,
        this.#shared?.slot(chatKey, budget),
        bot ? { budget: bot, chatKey } : undefined,
      );
      this.#byChat.set(chatKey, s);
    }
    return s;
  }
}

/**
 * The platform a scheduler key belongs to, among those with a bot-wide budget: the first part of
 * `<platform>:<chat id>`, or of a prefixed key such as `drafts:<platform>:<chat id>` (a private
 * chat's drafts, paced apart from its messages, still count bot-wide).
 */
function platformOf(chatKey: string, known: ReadonlyMap<string, unknown>): string | undefined {
  const parts = chatKey.split(':');
  return parts.length === 1
    ? known.has(chatKey)
      ? chatKey
      : undefined
    : parts.slice(0, -1).find((p) => known.has(p));
}

/**
 * The bot-wide budgets the adapters declare, by platform name, for `SchedulerRegistryOptions`.
 * `overrides` replaces a platform's (configuration: `TELEGRAM_MAX_PER_SECOND`); `null` or a count of
 * 0 turns it off.
 */
export function botBudgetsOf(
  adapters: readonly PlatformAdapter[],
  overrides: Readonly<Record<string, Budget | null | undefined>> = {},
): Record<string, Budget> {
  const budgets: Record<string, Budget> = {};
  for (const adapter of adapters) {
    const override = Object.hasOwn(overrides, adapter.name) ? overrides[adapter.name] : undefined;
    const budget =
      override !== undefined
        ? override
        : adapter.limits({ platform: adapter.name, id: '', kind: 'group' }).botBudget;
    if (budget && budget.count > 0) budgets[adapter.name] = budget;
  }
  return budgets;
}

/**
 * How late a request may reach the platform after the shared budget granted it (the grant is
 * stamped when asked, in Redis; the request leaves once the process gets to it). The bot-wide
 * shared budget keeps this much room: a request that late still lands inside the platform's window.
 */
export const SHARED_LANDING_MARGIN_MS = 250;

/**
 * `budget` with room for late landings: `count` per `perMs` asked means up to count × (perMs +
 * margin) / perMs landing in some `perMs` window, so it is asked for that much less (30/s → 24/s).
 */
export function landingMargin(budget: Budget): Budget {
  const count = Math.max(
    1,
    Math.floor((budget.count * budget.perMs) / (budget.perMs + SHARED_LANDING_MARGIN_MS)),
  );
  return { ...budget, count };
}

/**
 * The chats' way to the shared budget: the chat's key first, then the platform's bot-wide key
 * (giving the chat's slot back when the bot has no room). A failure or a silent store is logged
 * once; chats then pace with their own budgets and ask again after `SHARED_RETRY_MS`.
 */
class SharedPacing {
  #down = false;
  #retryAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly shared: SharedBudget,
    private readonly botBudgets: Readonly<Record<string, Budget>>,
    private readonly clock: Clock,
    private readonly log: Logger | undefined,
    private readonly jitter: () => number,
  ) {}

  slot(chatKey: string, budget: Budget): SharedSlot {
    const platform = platformOf(chatKey, new Map(Object.entries(this.botBudgets)));
    const botBudget = platform === undefined ? undefined : this.botBudgets[platform];
    const chat = { key: `chat:${chatKey}`, budget };
    const bot = botBudget ? { key: `bot:${platform}`, budget: landingMargin(botBudget) } : undefined;
    return { take: () => this.#take(chat, bot) };
  }

  async #take(chat: { key: string; budget: Budget }, bot: typeof chat | undefined): Promise<number> {
    if (this.clock.now() < this.#retryAt) return 0;
    try {
      const chatWait = await this.#bounded(this.shared.take(chat.key, chat.budget));
      if (chatWait <= 0 && bot) {
        const botWait = await this.#bounded(this.shared.take(bot.key, bot.budget));
        if (botWait > 0) {
          await this.#bounded(this.shared.refund(chat.key, chat.budget));
          this.#up();
          // Every chat refused by the bot-wide budget is told the same moment (when the oldest grant
          // leaves the window): spread their retries over half a window, or they all ask at once.
          return botWait + Math.floor(this.jitter() * (bot.budget.perMs / 2));
        }
      }
      this.#up();
      return Math.max(0, chatWait);
    } catch (error) {
      if (!this.#down) {
        this.#down = true;
        this.log?.warn(
          { err: error },
          "shared pacing budget unavailable; pacing with this process's budgets",
        );
      }
      this.#retryAt = this.clock.now() + SHARED_RETRY_MS;
      return 0;
    }
  }

  #up(): void {
    if (!this.#down) return;
    this.#down = false;
    this.log?.info('shared pacing budget answers again');
  }

  #bounded<T>(answer: Promise<T>): Promise<T> {
    let timer: unknown;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(
        () => reject(new Error(`no answer within ${SHARED_TIMEOUT_MS} ms`)),
        SHARED_TIMEOUT_MS,
      );
    });
    answer.catch(() => {}); // raced; a late failure after the timeout is expected
    return Promise.race([answer, timeout]).finally(() => this.clock.clearTimeout(timer));
  }
}
