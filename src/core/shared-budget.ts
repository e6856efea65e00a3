import type { Budget } from './platform.js';

/**
 * Budgets kept outside one process, so several bot processes posting into one chat (or as one
 * bot) share its budget instead of each pretending to own it. The chat schedulers ask before each
 * grant; an implementation that fails (rejects) makes them fall back to their own, in-process
 * budget until it answers again.
 */
export interface SharedBudget {
  /**
   * Takes one operation from `key`'s budget (at most `budget.count` in any window of
   * `budget.perMs`): resolves to 0 when it was taken, or to the milliseconds to wait before asking
   * again. One key always has the same budget.
   */
  take(key: string, budget: Budget): Promise<number>;
  /**
   * Gives back the operation just taken from `key`, when a grant needed a second budget that had
   * no room: the chat's slot must not be spent on a request that did not go.
   */
  refund(key: string, budget: Budget): Promise<void>;
}
