/** Attempts a chat job gets (the first run and its retries) before it settles for a fallback. */
export const JOB_ATTEMPTS = 4;
/** The first retry's delay; each later one waits twice as long (3 s, 6 s, 12 s), as BullMQ's exponential backoff. */
export const RETRY_BASE_DELAY_MS = 3_000;

/** The delay before attempt `attempt + 1`. */
export function retryDelayMs(attempt: number, baseMs = RETRY_BASE_DELAY_MS): number {
  return baseMs * 2 ** (attempt - 1);
}
