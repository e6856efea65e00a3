import type { Api } from 'grammy';
import type { Logger } from 'pino';

/** How long a getChatMember answer is trusted: a promoted or demoted admin is seen within this. */
export const CHAT_ADMIN_CACHE_MS = 5 * 60_000;
/** Cached answers kept at most; expired ones are dropped when there are more. */
const CHAT_ADMIN_CACHE_MAX_ENTRIES = 10_000;

/**
 * Whether a member administers a group (`creator` or `administrator` per getChatMember), cached
 * per chat and member for `CHAT_ADMIN_CACHE_MS`; concurrent questions share one request. A failed
 * request is not cached and rejects (the caller treats it as "not an admin").
 */
export class ChatAdmins {
  readonly #answers = new Map<string, { admin: boolean; until: number }>();
  readonly #asking = new Map<string, Promise<boolean>>();

  constructor(
    private readonly api: Api,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async isAdmin(chatId: number, userId: number): Promise<boolean> {
    const key = `${chatId}:${userId}`;
    const cached = this.#answers.get(key);
    if (cached && cached.until > this.now()) return cached.admin;
    const asking = this.#asking.get(key);
    if (asking) return asking;
    const question = this.api
      .getChatMember(chatId, userId)
      .then((member) => {
        const admin = member.status === 'creator' || member.status === 'administrator';
        this.#remember(key, admin);
        this.log.debug(
          { chat: String(chatId), user: String(userId), status: member.status },
          'chat member status',
        );
        return admin;
      })
      .finally(() => this.#asking.delete(key));
    this.#asking.set(key, question);
    return question;
  }

  #remember(key: string, admin: boolean): void {
    const now = this.now();
    if (this.#answers.size >= CHAT_ADMIN_CACHE_MAX_ENTRIES) {
      for (const [k, v] of this.#answers) if (v.until <= now) this.#answers.delete(k);
      if (this.#answers.size >= CHAT_ADMIN_CACHE_MAX_ENTRIES) this.#answers.clear();
    }
    this.#answers.set(key, { admin, until: now + CHAT_ADMIN_CACHE_MS });
  }
}
