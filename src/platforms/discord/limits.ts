import type { PlatformLimits } from '../../core/platform.js';

/** Discord refuses message content over 2000 characters (code points); UTF-16 units are the safe bound. */
export const DISCORD_MAX_CHARS = 2000;
/** Upload limit when no interaction has told us this chat's `attachment_size_limit` yet (free tier). */
export const DEFAULT_UPLOAD_BYTES = 10 * 1024 * 1024;
/** Largest user attachment the bot downloads. */
export const MAX_DOWNLOAD_BYTES = 25 * 1024 * 1024;
/** One edit of a message per second keeps clear of the per-webhook bucket (about 5 per 5 s). */
export const EDIT_INTERVAL_MS = 1000;
/** Sends and edits a chat may make within `BUDGET_WINDOW_MS`. */
export const BUDGET_COUNT = 5;
export const BUDGET_WINDOW_MS = 5000;
/**
 * Discord's global limit, 50 requests a second per bot. discord.js keeps it within one process;
 * this budget keeps it across processes (interaction edits, which are exempt, count too: safe).
 */
export const GLOBAL_BUDGET = { count: 50, perMs: 1000 } as const;
/** Interaction tokens live 15 minutes; stop using one a minute early. */
export const TOKEN_USABLE_MS = 14 * 60_000;
/** Discord drops an autocomplete answered after 3 s; answer with what we have before that. */
export const AUTOCOMPLETE_DEADLINE_MS = 2500;
/** Completions are cached this long (Discord asks on every keystroke). */
export const COMPLETION_CACHE_MS = 60_000;
/** Discord's caps on components, choices and files. */
export const MAX_BUTTON_ROWS = 5;
export const MAX_BUTTONS_PER_ROW = 5;
export const MAX_BUTTON_LABEL_CHARS = 80;
export const MAX_CUSTOM_ID_CHARS = 100;
export const MAX_CHOICES = 25;
export const MAX_CHOICE_CHARS = 100;
export const MAX_FILES_PER_MESSAGE = 10;

/** The limits the core reads for a Discord chat, given the upload limit known for it. */
export function discordLimits(maxUploadBytes: number): PlatformLimits {
  const budget = { count: BUDGET_COUNT, perMs: BUDGET_WINDOW_MS };
  return {
    maxChars: DISCORD_MAX_CHARS,
    maxCaptionChars: DISCORD_MAX_CHARS,
    maxUploadBytes,
    maxDownloadBytes: MAX_DOWNLOAD_BYTES,
    minEditIntervalMs: EDIT_INTERVAL_MS,
    privateBudget: budget,
    groupBudget: budget,
    botBudget: GLOBAL_BUDGET,
    liveEdits: true,
    // Stop and Regenerate: a press is never queued behind the member's running answer (the
    // adapter dispatches every interaction at once).
    answerButtons: true,
  };
}

/** A small map that forgets its oldest entries past `max`, for per-message memory that must not grow forever. */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }
  override set(key: K, value: V): this {
    if (this.has(key)) this.delete(key);
    super.set(key, value);
    while (this.size > this.max) {
      const oldest = this.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
    return this;
  }
}
