import type { AccessConfig } from '../config.js';
import type { ChatRef, UserRef } from '../core/platform.js';
import type { KeyValue, Store } from '../core/store.js';
import type { DailyUse, UsageMeter } from '../core/usage.js';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 3600_000;

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
};

interface Spent {
  tokens: number;
  tasks: number;
}

/**
 * Who may use the bot and how much: allow lists (empty means everyone), admins, a per-user
 * requests-per-minute limit and daily token and task quotas. Counters live in the store, so they
 * hold across restarts and across processes sharing a Redis store.
 */
export class AccessPolicy {
  readonly #minute: KeyValue<number>;
  readonly #daily: KeyValue<Spent>;

  constructor(
    private readonly config: AccessConfig,
    store: Store,
    private readonly now: () => number = Date.now,
  ) {
    this.#minute = store.namespace('rate');
    this.#daily = store.namespace('daily-use');
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
      listed(allowedChats, chat.platform, chat.id)
    );
  }

  /** Counts one request; false when the user is over the per-minute limit. Admins are not limited. */
  async takeRequest(user: UserRef, chat: ChatRef): Promise<boolean> {
    if (this.config.ratePerMinute === 0 || this.isAdmin(user, chat)) return true;
    const key = `${chat.platform}:${user.id}:${Math.floor(this.now() / MINUTE_MS)}`;
    const count = ((await this.#minute.get(key)) ?? 0) + 1;
    await this.#minute.set(key, count, 2 * MINUTE_MS);
    return count <= this.config.ratePerMinute;
  }

  #dayKey(user: UserRef, chat: ChatRef): string {
    return `${chat.platform}:${user.id}:${new Date(this.now()).toISOString().slice(0, 10)}`;
  }

  meter(user: UserRef, chat: ChatRef): UsageMeter {
    const key = this.#dayKey(user, chat);
    return {
      add: async (spent) => {
        const before = (await this.#daily.get(key)) ?? { tokens: 0, tasks: 0 };
        const after = {
          tokens: before.tokens + (spent.tokens ?? 0),
          tasks: before.tasks + (spent.tasks ?? 0),
        };
        await this.#daily.set(key, after, 2 * DAY_MS);
      },
      today: async (): Promise<DailyUse> => {
        const spent = (await this.#daily.get(key)) ?? { tokens: 0, tasks: 0 };
        return { ...spent, tokenQuota: this.config.dailyTokenQuota, taskQuota: this.config.dailyTaskQuota };
      },
    };
  }

  /** Which daily quota a command of this cost would exceed, if any. Admins have none. */
  async overQuota(
    user: UserRef,
    chat: ChatRef,
    cost: 'chat' | 'task' | undefined,
  ): Promise<'tokens' | 'tasks' | undefined> {
    if (!cost || this.isAdmin(user, chat)) return undefined;
    const use = await this.meter(user, chat).today();
    if (cost === 'chat' && use.tokenQuota > 0 && use.tokens >= use.tokenQuota) return 'tokens';
    if (cost === 'task' && use.taskQuota > 0 && use.tasks >= use.taskQuota) return 'tasks';
    return undefined;
  }
}
