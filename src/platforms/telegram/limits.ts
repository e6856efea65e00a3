import type { ChatRef, PlatformLimits } from '../../core/platform.js';
import { telegramLength } from './markdown.js';

/**
 * Telegram's numbers (Bot API docs and Bots FAQ). Text and caption lengths are code points of the
 * text left after the HTML is parsed (see `telegramLength`).
 */
export const TELEGRAM_MAX_CHARS = 4096;
export const TELEGRAM_MAX_CAPTION_CHARS = 1024;
/** Bots download at most 20 MB through getFile and upload at most 50 MB. */
export const TELEGRAM_MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;
export const TELEGRAM_MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
/** Sends and edits across all chats: about 30 messages a second in bulk (Bots FAQ). */
export const TELEGRAM_BOT_BUDGET = { count: 30, perMs: 1000 } as const;
/** A thumbnail must be a JPEG of at most 200 kB and 320 px a side (sendAudio, sendVideo). */
export const TELEGRAM_MAX_THUMBNAIL_BYTES = 200 * 1024;
export const TELEGRAM_MAX_THUMBNAIL_SIDE_PX = 320;
/**
 * sendPhoto takes at most 10 MB, with width + height at most 10000 px and a side ratio of at most 20;
 * any other image goes as a document (Midjourney upscales and large PNGs exceed 10 MB).
 */
export const TELEGRAM_MAX_PHOTO_BYTES = 10 * 1024 * 1024;
export const TELEGRAM_MAX_PHOTO_SIDES_SUM_PX = 10_000;
export const TELEGRAM_MAX_PHOTO_SIDE_RATIO = 20;

/**
 * About one message a second in a private chat (Telegram tolerates short bursts, so three in three
 * seconds); 20 a minute in a group, shared by everyone in it.
 */
export function telegramLimits(chat: ChatRef): PlatformLimits {
  const group = chat.kind === 'group';
  return {
    maxChars: TELEGRAM_MAX_CHARS,
    maxCaptionChars: TELEGRAM_MAX_CAPTION_CHARS,
    measure: telegramLength,
    maxUploadBytes: TELEGRAM_MAX_UPLOAD_BYTES,
    maxDownloadBytes: TELEGRAM_MAX_DOWNLOAD_BYTES,
    minEditIntervalMs: group ? 3_000 : 1_000,
    privateBudget: { count: 3, perMs: 3_000 },
    groupBudget: { count: 20, perMs: 60_000 },
    botBudget: TELEGRAM_BOT_BUDGET,
    liveEdits: true,
    ...(group ? {} : { draftLifetimeMs: TELEGRAM_DRAFT_LIFETIME_MS }),
    answerButtons: true,
  };
}

/** A draft (sendMessageDraft) is a preview of about 30 s unless it is updated (Bot API docs). */
export const TELEGRAM_DRAFT_LIFETIME_MS = 30_000;
