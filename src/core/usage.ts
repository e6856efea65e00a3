import { BotError } from '../errors.js';
import type { Localized } from './i18n.js';

/** One user's use of the bot today, against the owner's daily quotas (0 = unlimited). */
export interface DailyUse {
  tokens: number;
  tasks: number;
  tokenQuota: number;
  taskQuota: number;
}

/** Today's token count right after a charge, against the quota that applies to this user. */
export interface TokenCount {
  /** Tokens counted today, this charge included (every process sharing the store). */
  used: number;
  /** The daily token quota for this user; 0 when there is none (admins, or no DAILY_TOKEN_QUOTA). */
  quota: number;
}

/** Why a paid task was not started: the daily task quota, or the per-minute request limit. */
export type UsageRefusal = (
  | { reason: 'tasks'; used: number; quota: number }
  | { reason: 'rate'; perMinute: number }
  /** The group's songs for today (GROUP_DAILY_SONGS) are used up. */
  | { reason: 'songs'; used: number; quota: number }
) & {
  /** What the user reads, in both languages, figures filled in. */
  message: Localized;
};

/** A daily task slot taken before a paid submit. */
export interface TaskSlot {
  granted: true;
  /** Gives the slot back: the submit was refused, and a refused submit costs nothing. Idempotent. */
  release(): Promise<void>;
}

export type TaskReservation = TaskSlot | ({ granted: false } & UsageRefusal);

/** Counts what a user spends; handed to commands through their context. */
export interface UsageMeter {
  add(spent: { tokens?: number; tasks?: number }): Promise<void>;
  /**
   * Adds `tokens` (negative to give some back) to today's count in one atomic step of the store,
   * shared by every process, and says where the day stands: an answer is charged this way while it
   * streams (in batches, never per token) and is cut once `used` reaches a non-zero `quota`.
   */
  chargeTokens(tokens: number): Promise<TokenCount>;
  today(): Promise<DailyUse>;
  /**
   * Takes one of today's media tasks before a paid upstream submit, atomically: two presses or two
   * processes never both take the last one. Admins are never refused (their tasks still count).
   * `rate: true` also takes one request from the per-minute limit, first: for a task a model's tool
   * call starts. A command's own task passes `rate: false`, since the router already took the
   * request when it let the command's event in.
   */
  reserveTask(options: { rate: boolean }): Promise<TaskReservation>;
  /** Most media tasks the model's tool calls may start in one answer (MAX_TOOL_TASKS_PER_ANSWER). */
  readonly toolTasksPerAnswer: number;
}

/**
 * Thrown by a task start the quota or the rate limit refused, before anything was sent upstream.
 * `userMessage` is the refusal in both languages; `refusal` says which limit, for a tool's answer.
 */
export class UsageRefusedError extends BotError {
  constructor(readonly refusal: UsageRefusal) {
    super(refusal.reason === 'rate' ? 'rate_limit' : 'quota', refusal.message.en, {
      userMessage: refusal.message,
    });
  }
}
