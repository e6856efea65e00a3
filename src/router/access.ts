import type { AccessConfig } from '../config.js';
import { t } from '../core/i18n.js';
import type { ChatRef, UserRef } from '../core/platform.js';
import type { Counters, Store } from '../core/store.js';
import type { DailyUse, TaskReservation, TokenCount, UsageMeter, UsageRefusal } from '../core/usage.js';
import { M } from './messages.js';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 3600_000;
/** Counters live this long: the minute (or day) they count, and as long again. */
const RATE_TTL_MS = 2 * MINUTE_MS;
const DAILY_TTL_MS = 2 * DAY_MS;

/** Store counter namespaces: requests per user and minute, tokens and tasks per user and UTC day. */
export const RATE_COUNTERS = 'rate';
export const DAILY_COUNTERS = 'daily-use';

function listed(list: readonly string[], platform: string, id: string): boolean {
  return list.includes(id) || list.includes(`${platform}:${id}`);
}

/** The default when no access variables are set: everyone may use the bot, with no quotas. */
export const OPEN_ACCESS: AccessConfig = {
  allowedUsers: [],
  allowedChats: [],
  adminUsers: [],
  ratePerMinute: 0,
  dailyTokenQuota: 0,
  dailyTaskQuota: 0,
  maxToolTasksPerAnswer: 3,
};

/**
 * The meter one event's command gets. Besides counting, it can hold the command's daily task slot,
 * taken by the router before a `task` command runs: the command's first task start (or its
 * `add({ tasks: 1 })`) uses the held slot instead of taking another, and the router gives the slot
 * back when the command ends without using it.
 */
export interface EventMeter extends UsageMeter {
  /** Takes the command's task slot up front; a refusal when the daily task quota is used up. */
  hold(): Promise<UsageRefusal | undefined>;
  /** Gives back a held slot nothing used. Call once the command has ended. */
  settle(): Promise<void>;
  /** Task slots this event took and kept: tasks it started (a released slot is not kept). */
  readonly kept: number;
}

/**
 * Who may use the bot and how much: allow lists (empty means everyone), admins, a per-user
 * requests-per-minute limit and daily token and task quotas. Counters are atomic store counters
 * (Redis INCRBY, a SQLite upsert), so they hold across restarts and across processes sharing a
 * store, and two processes never both read 0 and both write 1.
 */
export class AccessPolicy {
  readonly #rate: Counters;
  readonly #daily: Counters;

  constructor(
    private readonly config: AccessConfig,
    store: Store,
    private readonly now: () => number = Date.now,
  ) {
    this.#rate = store.counters(RATE_COUNTERS);
    this.#daily = store.counters(DAILY_COUNTERS);
  }

  isAdmin(user: UserRef, chat: ChatRef): boolean {
    return listed(this.config.adminUsers, chat.platform, user.id);
  }

  /** Whether /usage may show the key's own figures: admins, or everyone when no admin is set. */
  seesKeyUsage(user: UserRef, chat: ChatRef): boolean {
    return this.config.adminUsers.length === 0 || this.isAdmin(user, chat);
  }

  allowed(user: UserRef, chat: ChatRef): boolean {
    const { allowedUsers, allowedChats } = this.config;
    if (allowedUsers.length === 0 && allowedChats.length === 0) return true;
    return (
      this.isAdmin(user, chat) ||
      listed(allowedUsers, chat.platform, user.id) ||
      listed(allowedChats, chat.platform, chat.id) ||
      (chat.parentId !== undefined && listed(allowedChats, chat.platform, chat.parentId)) ||
      (chat.guildId !== undefined && listed(allowedChats, chat.platform, chat.guildId))
    );
  }

  /** The per-minute limit's key for this user now: `platform:user:minute`. */
  rateKey(user: UserRef, chat: ChatRef): string {
    return `${chat.platform}:${user.id}:${Math.floor(this.now() / MINUTE_MS)}`;
  }

  /** The daily quotas' key for this user today: `platform:user:YYYY-MM-DD`. */
  dayKey(user: UserRef, chat: ChatRef): string {
    return `${chat.platform}:${user.id}:${new Date(this.now()).toISOString().slice(0, 10)}`;
  }

  /**
   * Counts one request, atomically; false when it is over the per-minute limit (refused requests
   * count too). Admins are not limited.
   */
  async takeRequest(user: UserRef, chat: ChatRef): Promise<boolean> {
    if (this.config.ratePerMinute === 0 || this.isAdmin(user, chat)) return true;
    const count = await this.#rate.add(this.rateKey(user, chat), 1, RATE_TTL_MS);
    return count <= this.config.ratePerMinute;
  }

  /** The refusal for a request over the per-minute limit, in both languages. */
  rateRefusal(): UsageRefusal {
    const n = this.config.ratePerMinute;
    return {
      reason: 'rate',
      perMinute: n,
      message: { en: t('en', M.slowDown, { n }), zh: t('zh', M.slowDown, { n }) },
    };
  }

  #tasksRefusal(used: number, quota: number): UsageRefusal {
    const values = { used, quota };
    return {
      reason: 'tasks',
      used,
      quota,
      message: { en: t('en', M.quotaTasks, values), zh: t('zh', M.quotaTasks, values) },
    };
  }

  /** This user's meter for one event (today's key is fixed when the event arrives). */
  meter(user: UserRef, chat: ChatRef): EventMeter {
    const day = this.dayKey(user, chat);
    const tokensKey = `${day}:tokens`;
    const tasksKey = `${day}:tasks`;
    const admin = this.isAdmin(user, chat);
    const { dailyTokenQuota, dailyTaskQuota, maxToolTasksPerAnswer } = this.config;
    const daily = this.#daily;
    let held: 'none' | 'held' | 'used' = 'none';
    let heldRelease: (() => Promise<void>) | undefined;
    let kept = 0;

    /** One slot, atomically: add 1, and when that went over the quota take it back and refuse. */
    const reserve = async (): Promise<TaskReservation> => {
      const count = await daily.add(tasksKey, 1, DAILY_TTL_MS);
      if (!admin && dailyTaskQuota > 0 && count > dailyTaskQuota) {
        await daily.add(tasksKey, -1, DAILY_TTL_MS);
        return { granted: false, ...this.#tasksRefusal(dailyTaskQuota, dailyTaskQuota) };
      }
      kept++;
      let released = false;
      return {
        granted: true,
        release: async () => {
          if (released) return;
          released = true;
          kept--;
          await daily.add(tasksKey, -1, DAILY_TTL_MS);
        },
      };
    };

    const meter: EventMeter = {
      toolTasksPerAnswer: maxToolTasksPerAnswer,
      get kept() {
        return kept;
      },
      add: async (spent) => {
        if (spent.tokens) await daily.add(tokensKey, spent.tokens, DAILY_TTL_MS);
        let tasks = spent.tasks ?? 0;
        if (tasks > 0 && held === 'held') {
          held = 'used'; // the command's held slot counts this task
          tasks--;
        }
        if (tasks !== 0) {
          await daily.add(tasksKey, tasks, DAILY_TTL_MS);
          kept += tasks;
        }
      },
      chargeTokens: async (tokens): Promise<TokenCount> => {
        const used =
          tokens === 0 ? await daily.get(tokensKey) : await daily.add(tokensKey, tokens, DAILY_TTL_MS);
        return { used, quota: admin ? 0 : dailyTokenQuota };
      },
      today: async (): Promise<DailyUse> => {
        const [tokens, tasks] = await Promise.all([daily.get(tokensKey), daily.get(tasksKey)]);
        return { tokens, tasks, tokenQuota: dailyTokenQuota, taskQuota: dailyTaskQuota };
      },
      reserveTask: async ({ rate }) => {
        if (rate && !(await this.takeRequest(user, chat))) return { granted: false, ...this.rateRefusal() };
        if (held === 'held' && heldRelease) {
          held = 'used';
          return { granted: true, release: heldRelease };
        }
        return reserve();
      },
      hold: async () => {
        if (held !== 'none') return undefined;
        const slot = await reserve();
        if (!slot.granted) {
          const { granted: _, ...refusal } = slot;
          return refusal;
        }
        held = 'held';
        heldRelease = slot.release;
        return undefined;
      },
      settle: async () => {
        if (held === 'held' && heldRelease) {
          held = 'used';
          await heldRelease();
        }
      },
    };
    return meter;
  }

  /** Whether a chat command would go over the daily token quota (checked before it runs). Admins have none. */
  async overTokenQuota(user: UserRef, chat: ChatRef): Promise<DailyUse | undefined> {
    if (this.isAdmin(user, chat) || this.config.dailyTokenQuota === 0) return undefined;
    const use = await this.meter(user, chat).today();
    return use.tokens >= use.tokenQuota ? use : undefined;
  }
}
