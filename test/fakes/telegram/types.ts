import type { InlineKeyboardMarkup, Message, MessageEntity, Update } from 'grammy/types';

/** Options for {@link FakeTelegram.start}. */
export interface FakeTelegramOptions {
  /** Bot token; the part before ':' is the bot's user id. */
  token?: string;
  /** The bot's username (without '@'). Default 'fake_test_bot'. */
  botUsername?: string;
  /** The bot's first name. Default 'Fake Bot'. */
  botName?: string;
  /** false: `sendMessageDraft` answers 404 method-not-found like a pre-9.5 server. Default true. */
  draftsSupported?: boolean;
  /**
   * How long a draft shows without an update before it expires (`expiredDrafts`). Default 30 000 ms,
   * like Telegram; tests shorten it (with the bot's `draftLifetimeMs`) so they need not wait 30 s.
   */
  draftLifetimeMs?: number;
  /** Answer sends/edits over the group limit with 429 instead of only recording them. Default false. */
  enforceRateLimits?: boolean;
  /** Group rate limit. Default 20 calls per 60 000 ms, like Telegram. */
  groupRateLimit?: { max: number; windowMs: number };
  /**
   * Bot-wide limit across all chats: sends, edits and drafts (every rated method) arriving within any
   * `windowMs`. Default 30 per 1000 ms, the Bots FAQ's "not more than 30 messages per second" for
   * bulk notifications; `false` turns it off. Accounted always (`botRateViolations`), answered with
   * 429 only under `enforceRateLimits`.
   */
  botRateLimit?: { max: number; windowMs: number } | false;
  /** The clock rate accounting reads (arrival times, `RecordedCall.at`). Default Date.now. */
  now?: () => number;
  /**
   * Telegram keeps a bare '&' that does not start a valid entity as a literal character. By default the
   * fake is stricter and rejects it with "can't parse entities", so an unescaped '&' in app output is caught.
   * Set true to behave exactly like Telegram.
   */
  lenientHtmlEntities?: boolean;
  /** Reject uploaded photos whose bytes are not PNG/JPEG/GIF/WEBP/BMP with IMAGE_PROCESS_FAILED. Default true. */
  validatePhotoBytes?: boolean;
}

/** A Bot API error as the fake answers it (and as `failNext` injects it). */
export interface TgErrorSpec {
  error_code: number;
  description: string;
  retry_after?: number;
  migrate_to_chat_id?: number;
}

/** A file part of a multipart/form-data request. */
export interface UploadedPart {
  /** The form field name (for grammY a random id referenced by an `attach://id` value). */
  name: string;
  filename?: string;
  contentType?: string;
  bytes: Buffer;
}

/** One request to `/bot<token>/<method>`, as received. */
export interface RecordedCall {
  method: string;
  /** Parameters after coercion (numbers/booleans/JSON fields decoded); uploads stay `attach://...` strings. */
  params: Record<string, unknown>;
  /** File parts of a multipart body. */
  files: UploadedPart[];
  /** Date.now() when the request arrived. */
  at: number;
  chatId?: number;
  /** Filled in when the answer is known. */
  response?: { ok: true; result: unknown } | { ok: false; error_code: number; description: string };
}

/** An error answer the fake gave (every one, including injected ones). */
export interface RecordedError {
  method: string;
  error_code: number;
  description: string;
  at: number;
  chatId?: number;
  injected: boolean;
}

export type MessageKind = 'text' | 'photo' | 'audio' | 'voice' | 'video' | 'document';

export interface LoggedFile {
  /** Uploaded bytes (multipart) or the bytes of a registered file_id. */
  bytes?: Buffer;
  /** When sent by URL. */
  url?: string;
  /** When sent by an existing file_id. */
  file_id_sent?: string;
  /** The file_id Telegram assigned (what the result Message carries). */
  file_id: string;
  filename?: string;
  mime?: string;
}

/** A message as the chat currently shows it. */
export interface LoggedMessage {
  chat_id: number;
  message_id: number;
  kind: MessageKind;
  /** Visible text: the message text, or the caption of a media message ('' when there is none). */
  text: string;
  /** The raw HTML that was sent, when parse_mode was HTML. */
  html?: string;
  parse_mode?: string;
  entities?: MessageEntity[];
  caption?: string;
  reply_markup?: InlineKeyboardMarkup;
  /** Sent with ForceReply: the user's client opened a reply to it, with this placeholder. */
  force_reply?: { placeholder?: string };
  file?: LoggedFile;
  reply_to_message_id?: number;
  media_group_id?: string;
  /** Number of successful edits (text, caption or markup). */
  edits: number;
  from_bot: boolean;
  /** The full Bot API Message object as last returned to the bot. */
  message: Message;
}

export interface DraftRecord {
  chat_id: number;
  draft_id: number;
  text: string;
  html?: string;
  /** Sent with `can_stop`: the user sees a stop button. */
  can_stop?: boolean;
  keep_on_stop?: boolean;
  at: number;
}

export interface RateViolation {
  chatId: number;
  method: string;
  at: number;
  /** 'bot': past the bot-wide limit (`botRateViolations`); absent: past the group's own limit. */
  scope?: 'bot';
}

export interface CallbackAnswer {
  callback_query_id: string;
  text?: string;
  show_alert?: boolean;
  url?: string;
  at: number;
}

export interface RegisterFileOptions {
  fileId?: string;
  /** Reported file_size; may be larger than the bytes to test the 20 MB download limit. */
  size?: number;
  filePath?: string;
  mime?: string;
  filename?: string;
}

export interface UserMediaOptions {
  fileId?: string;
  bytes: Buffer;
  caption?: string;
  size?: number;
}

/** An update without its id; `pushUpdate` assigns the next one. */
export type UpdateInput = Omit<Update, 'update_id'> & { update_id?: number };
