import type { ChatRef, PlatformLimits } from '../../core/platform.js';

/** Telegram's numbers (Bot API docs and Bots FAQ). */
export const TELEGRAM_MAX_CHARS = 4096;
export const TELEGRAM_MAX_CAPTION_CHARS = 1024;
/** Bots download at most 20 MB through getFile and upload at most 50 MB. */
export const TELEGRAM_MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;
export const TELEGRAM_MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
/** Sends and edits across all chats: about 30 messages a second in bulk (Bots FAQ). */
export const TELEGRAM_BOT_BUDGET = { count: 30, perMs: 1000 } as const;
/** A thumbnail must be a JPEG under 200 kB. */
export const TELEGRAM_MAX_THUMBNAIL_BYTES = 200 * 1024;

/**
 * About one message a second in a private chat (Telegram tolerates short bursts, so three in three
 * seconds); 20 a minute in a group, shared by everyone in it.
 */
export function telegramLimits(chat: ChatRef): PlatformLimits {
  const group = chat.kind === 'group';
  return {
    maxChars: TELEGRAM_MAX_CHARS,
    maxCaptionChars: TELEGRAM_MAX_CAPTION_CHARS,
    maxUploadBytes: TELEGRAM_MAX_UPLOAD_BYTES,
    maxDownloadBytes: TELEGRAM_MAX_DOWNLOAD_BYTES,
    minEditIntervalMs: group ? 3_000 : 1_000,
    privateBudget: { count: 3, perMs: 3_000 },
    groupBudget: { count: 20, perMs: 60_000 },
    botBudget: TELEGRAM_BOT_BUDGET,
    liveEdits: true,
  };
}
