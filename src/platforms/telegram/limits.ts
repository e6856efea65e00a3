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
/**
 * Sends, edits and drafts across all chats: "not more than 30 messages per second or so" in bulk
 * (Bots FAQ, "My bot is hitting limits"). Telegram documents no separate limit for drafts
 * (sendMessageDraft), so they count too: the stricter reading. TELEGRAM_MAX_PER_SECOND overrides it.
 */
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
    ...(group ? {} : { draftLifetimeMs: TELEGRAM_DRAFT_LIFETIME_MS, draftPacing: TELEGRAM_DRAFT_PACING }),
    answerButtons: true,
  };
}

/** A draft (sendMessageDraft) is a preview of about 30 s unless it is updated (Bot API docs). */
export const TELEGRAM_DRAFT_LIFETIME_MS = 30_000;
/**
 * How often a private chat's drafts are updated. The Bot API documents no rate for
 * sendMessageDraft (its limits in the Bots FAQ are for messages), and a draft is a preview, not a
 * message: drafts do not spend the chat's message budget (`privateBudget`), which is left to the
 * messages that stay. grammY's stream plugin updates drafts as fast as the answers come back. We
 * keep under the per-chat figures reported for the MTProto call under it (20 per 5 s, 40 per
 * 30 s): at most 20 per 5 s a chat, and 750 ms apart within one answer (40 per 30 s). A draft
 * Telegram refuses anyway (a 429) turns that answer into a normal message (see
 * stream-to-edits.ts), so a wrong guess costs a preview, never the answer.
 */
export const TELEGRAM_DRAFT_PACING = { count: 20, perMs: 5_000, minIntervalMs: 750 } as const;
