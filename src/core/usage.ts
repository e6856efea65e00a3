/** One user's use of the bot today, against the owner's daily quotas (0 = unlimited). */
export interface DailyUse {
  tokens: number;
  tasks: number;
  tokenQuota: number;
  taskQuota: number;
}

/** Counts what a user spends; handed to commands through their context. */
export interface UsageMeter {
  add(spent: { tokens?: number; tasks?: number }): Promise<void>;
  today(): Promise<DailyUse>;
}
