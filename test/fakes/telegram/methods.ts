import type { BotCommand, InlineKeyboardMarkup, Message, MessageEntity } from 'grammy/types';
import { imageFormat, imageSize, mimeFromName } from './builders.js';
import { getChatMember, resolveThread, topicFields } from './groups.js';
import { HtmlParseError, parseTelegramHtml, tgTrim } from './html.js';
import { badRequest, type Params, TgError } from './params.js';
import { type ChatState, type Core, commandsKey, type StoredFile, type StoredMessage } from './state.js';
import type { LoggedFile, MessageKind } from './types.js';

export interface MethodContext {
  core: Core;
  p: Params;
  /** Aborted when the client disconnects or the fake closes. */
  signal: AbortSignal;
}

export type Handler = (ctx: MethodContext) => unknown;

const MB = 1024 * 1024;
const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;
/** sendPhoto: at most 10 MB, width + height at most 10000 px, sides at most 20:1 (Bot API docs). */
const PHOTO_MAX_BYTES = 10 * MB;
const PHOTO_MAX_SIDES_SUM_PX = 10_000;
const PHOTO_MAX_SIDE_RATIO = 20;
/** A thumbnail (sendAudio, sendVideo, sendDocument): a JPEG of at most 200 kB and 320 px a side. */
const THUMBNAIL_MAX_BYTES = 200 * 1024;
const THUMBNAIL_MAX_SIDE_PX = 320;

/**
 * Lengths as Telegram counts them against TEXT_LIMIT and CAPTION_LIMIT: code points of the text left
 * after entity parsing (tdlib's `utf8_length`), so an emoji counts one and a tag nothing.
 */
const telegramLength = (text: string): number => [...text].length;
const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

const BUTTON_ACTIONS = [
  'url',
  'callback_data',
  'web_app',
  'login_url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'copy_text',
  'callback_game',
  'pay',
];

const nowSec = (): number => Math.floor(Date.now() / 1000);

interface Formatted {
  text: string;
  entities?: MessageEntity[];
  html?: string;
  parseMode?: string;
}

/** Apply parse_mode / entities like Telegram; returns the visible text. */
function format(core: Core, raw: string, parseMode: string | undefined, entities: unknown): Formatted {
  if (parseMode === undefined || parseMode === '') {
    if (entities === undefined) return { text: tgTrim(raw) };
    if (!Array.isArray(entities) || entities.some((e) => typeof e !== 'object' || e === null)) {
      throw badRequest("can't parse entities JSON object", true);
    }
    return { text: raw, ...(entities.length > 0 ? { entities: entities as MessageEntity[] } : {}) };
  }
  const mode = parseMode.toLowerCase();
  if (mode === 'html') {
    try {
      const parsed = parseTelegramHtml(raw, { lenientEntities: core.options.lenientHtmlEntities });
      return {
        text: parsed.text,
        ...(parsed.entities.length > 0 ? { entities: parsed.entities } : {}),
        html: raw,
        parseMode,
      };
    } catch (err) {
      if (err instanceof HtmlParseError) throw badRequest(`can't parse entities: ${err.message}`);
      throw err;
    }
  }
  // Markdown is not parsed: the visible text is the raw text.
  if (mode === 'markdownv2' || mode === 'markdown') return { text: tgTrim(raw), parseMode };
  throw badRequest('unsupported parse_mode', true);
}

function formatMessageText(core: Core, p: Params): Formatted {
  const raw = p.str('text');
  if (raw === undefined) throw badRequest('message text is empty', true);
  const fmt = format(core, raw, p.str('parse_mode'), p.json('entities'));
  if (fmt.text.length === 0) throw badRequest('message text is empty', true);
  if (telegramLength(fmt.text) > TEXT_LIMIT) throw badRequest('message is too long');
  return fmt;
}

function formatCaption(
  core: Core,
  raw: string | undefined,
  parseMode: string | undefined,
  entities: unknown,
) {
  if (raw === undefined) return undefined;
  const fmt = format(core, raw, parseMode, entities);
  if (telegramLength(fmt.text) > CAPTION_LIMIT) throw badRequest('message caption is too long');
  return fmt.text.length > 0 ? fmt : undefined;
}

/** ForceReply's input_field_placeholder: "1-64 characters" (Bot API, ForceReply). */
const FORCE_REPLY_PLACEHOLDER_MAX = 64;

/**
 * A send's ForceReply markup (`{force_reply: true, input_field_placeholder?, selective?}`), checked;
 * undefined when the markup is something else. The client opens a reply to the message.
 */
function parseForceReply(p: Params): { placeholder?: string } | undefined {
  const m = p.json('reply_markup');
  if (typeof m !== 'object' || m === null || !('force_reply' in m)) return undefined;
  const f = m as Record<string, unknown>;
  if (f.force_reply !== true) throw badRequest("can't parse reply keyboard markup JSON object", true);
  const placeholder = f.input_field_placeholder;
  if (placeholder === undefined) return {};
  if (typeof placeholder !== 'string' || [...placeholder].length < 1) {
    throw badRequest("can't parse reply keyboard markup JSON object", true);
  }
  if ([...placeholder].length > FORCE_REPLY_PLACEHOLDER_MAX) {
    throw badRequest('input field placeholder is too long');
  }
  return { placeholder };
}

/**
 * Validate reply_markup; returns the inline keyboard (the only kind a Message carries back). Edits
 * take only an inline keyboard ("Bad Request: inline keyboard expected").
 */
function parseMarkup(p: Params, edit = false): InlineKeyboardMarkup | undefined {
  const m = p.json('reply_markup');
  if (m === undefined) return undefined;
  if (typeof m !== 'object' || m === null || Array.isArray(m)) {
    throw badRequest("can't parse reply keyboard markup JSON object", true);
  }
  if ('keyboard' in m || 'remove_keyboard' in m || 'force_reply' in m) {
    if (edit) throw badRequest('inline keyboard expected');
    parseForceReply(p);
    return undefined;
  }
  if (!('inline_keyboard' in m)) throw badRequest("can't parse reply keyboard markup JSON object", true);
  const rows = (m as { inline_keyboard: unknown }).inline_keyboard;
  if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r))) {
    throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays', true);
  }
  for (const row of rows as unknown[][]) {
    for (const button of row) {
      if (typeof button !== 'object' || button === null) {
        throw badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object", true);
      }
      const b = button as Record<string, unknown>;
      if (typeof b.text !== 'string' || b.text === '') {
        throw badRequest(
          'can\'t parse inline keyboard button: Field "text" must be a non-empty String',
          true,
        );
      }
      const actions = BUTTON_ACTIONS.filter((a) => b[a] !== undefined);
      if (actions.length !== 1) {
        throw badRequest(
          "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
          true,
        );
      }
      if (b.callback_data !== undefined) {
        const data = b.callback_data;
        if (typeof data !== 'string' || Buffer.byteLength(data) < 1 || Buffer.byteLength(data) > 64) {
          throw badRequest('BUTTON_DATA_INVALID', true);
        }
      }
      if (b.url !== undefined && (typeof b.url !== 'string' || !/^(https?|tg):\/\/\S+$/i.test(b.url))) {
        throw badRequest(`inline keyboard button URL '${String(b.url)}' is invalid: Wrong HTTP URL`, true);
      }
    }
  }
  return rows.length > 0 && rows.some((r) => (r as unknown[]).length > 0)
    ? (m as InlineKeyboardMarkup)
    : undefined;
}

function resolveReply(cs: ChatState, p: Params): StoredMessage | undefined {
  const rp = p.object('reply_parameters');
  const id = rp ? rp.message_id : p.int('reply_to_message_id');
  const allow = rp ? rp.allow_sending_without_reply === true : p.bool('allow_sending_without_reply') === true;
  if (id === undefined) return undefined;
  if (typeof id !== 'number' || !Number.isInteger(id))
    throw badRequest('invalid reply message identifier', true);
  const target = cs.messages.get(id);
  if (target && !target.deleted) return target;
  if (allow) return undefined;
  throw badRequest('message to be replied not found');
}

/** Set or delete fields of a message object (undefined deletes). */
function withFields(message: Message, fields: Record<string, unknown>): Message {
  const copy: Record<string, unknown> = { ...message };
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) delete copy[k];
    else copy[k] = v;
  }
  return copy as unknown as Message;
}

function stripReply(message: Message): Message {
  return withFields(message, { reply_to_message: undefined });
}

interface NewMessage {
  kind: MessageKind;
  fmt?: Formatted;
  caption?: Formatted | undefined;
  markup?: InlineKeyboardMarkup | undefined;
  replyTo?: StoredMessage | undefined;
  media?: Record<string, unknown>;
  file?: LoggedFile;
  mediaGroupId?: string;
  /** The forum topic it is sent to (see `resolveThread`). */
  threadId?: number | undefined;
}

function createBotMessage(core: Core, cs: ChatState, init: NewMessage): StoredMessage {
  const { kind, fmt, caption, markup, replyTo, media, file, mediaGroupId, threadId } = init;
  // "The draft will still disappear … if the bot sends a message" (Bot API docs, keep_on_stop).
  core.draftBoard.endChat(cs.chat.id);
  const message = withFields(
    { message_id: core.nextMessageId(cs), from: core.botUser, chat: cs.chat, date: nowSec() } as Message,
    {
      ...topicFields(threadId),
      ...(replyTo ? { reply_to_message: stripReply(replyTo.message) } : {}),
      ...(mediaGroupId !== undefined ? { media_group_id: mediaGroupId } : {}),
      text: fmt?.text,
      entities: fmt?.entities,
      ...media,
      caption: caption?.text,
      caption_entities: caption?.entities,
      reply_markup: markup,
    },
  );
  const source = fmt ?? caption;
  const text = source?.text ?? '';
  const sm: StoredMessage = {
    chatId: cs.chat.id,
    message,
    kind,
    fromBot: true,
    text,
    ...(source?.html !== undefined ? { html: source.html } : {}),
    ...(source?.parseMode !== undefined ? { parseMode: source.parseMode } : {}),
    ...(source?.entities !== undefined ? { entities: source.entities } : {}),
    ...(caption !== undefined ? { caption: caption.text } : {}),
    ...(markup !== undefined ? { replyMarkup: markup } : {}),
    ...(file !== undefined ? { file } : {}),
    ...(replyTo !== undefined ? { replyToMessageId: replyTo.message.message_id } : {}),
    ...(mediaGroupId !== undefined ? { mediaGroupId } : {}),
    edits: 0,
    history: [text],
    deleted: false,
  };
  cs.messages.set(message.message_id, sm);
  return sm;
}

/** Find the bot's message an edit refers to. */
function editTarget(core: Core, p: Params): { cs: ChatState; sm: StoredMessage } {
  if (p.has('inline_message_id')) throw badRequest('inline messages are not supported by FakeTelegram', true);
  const cs = core.resolveChat(p.json('chat_id'));
  const id = p.requireInt('message_id', 'message identifier is not specified');
  const sm = cs.messages.get(id);
  if (!sm || sm.deleted) throw badRequest('message to edit not found');
  if (!sm.fromBot) throw badRequest("message can't be edited");
  return { cs, sm };
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function notModified(core: Core): TgError {
  core.notModifiedCount++;
  return badRequest(NOT_MODIFIED);
}

function defaultMime(kind: MessageKind): string | undefined {
  return {
    photo: 'image/jpeg',
    voice: 'audio/ogg',
    audio: 'audio/mpeg',
    video: 'video/mp4',
    document: undefined,
    text: undefined,
  }[kind];
}

interface ResolvedMedia {
  file: StoredFile;
  logged: LoggedFile;
  bytes?: Buffer;
}

/** Resolve an InputFile parameter: multipart upload (attach:// or same-named part), URL, or known file_id. */
function resolveMedia(
  core: Core,
  p: Params,
  field: string,
  kind: MessageKind,
  value: unknown,
): ResolvedMedia {
  if (value !== undefined && typeof value !== 'string') throw badRequest(`${field} must be a String`, true);
  const str = value as string | undefined;
  const part = p.part(str, field);
  if (part) {
    if (part.bytes.length > 50 * MB) throw new TgError(413, 'Request Entity Too Large');
    if (kind === 'photo') {
      // Over 10 MB: the description real servers give is not documented (tdlib's own check says
      // "is too big for a photo"); PHOTO_INVALID_DIMENSIONS is what they give for the dimensions.
      if (part.bytes.length > PHOTO_MAX_BYTES) throw badRequest('PHOTO_INVALID_DIMENSIONS');
      if (core.options.validatePhotoBytes && !imageFormat(part.bytes))
        throw badRequest('IMAGE_PROCESS_FAILED');
      const { width, height } = imageSize(part.bytes);
      if (
        width + height > PHOTO_MAX_SIDES_SUM_PX ||
        Math.max(width, height) > PHOTO_MAX_SIDE_RATIO * Math.max(1, Math.min(width, height))
      )
        throw badRequest('PHOTO_INVALID_DIMENSIONS');
    }
    const typed =
      part.contentType && part.contentType !== 'application/octet-stream' ? part.contentType : undefined;
    const mime = typed ?? mimeFromName(part.filename) ?? defaultMime(kind);
    const file = core.registerFile(part.bytes, {
      kind,
      ...(part.filename !== undefined ? { filename: part.filename } : {}),
      ...(mime !== undefined ? { mime } : {}),
    });
    return {
      file,
      bytes: part.bytes,
      logged: {
        bytes: part.bytes,
        file_id: file.file_id,
        ...(part.filename !== undefined ? { filename: part.filename } : {}),
        ...(mime !== undefined ? { mime } : {}),
      },
    };
  }
  if (str === undefined || str === '') throw badRequest(`there is no ${field} in the request`, true);
  if (str.startsWith('attach://'))
    throw badRequest(`file "${str}" is missing from the multipart request`, true);
  if (/^https?:\/\//i.test(str)) {
    const filename = new URL(str).pathname.split('/').pop() || undefined;
    const mime = mimeFromName(filename) ?? defaultMime(kind);
    const file = core.registerFile(Buffer.alloc(0), {
      kind,
      ...(filename !== undefined ? { filename } : {}),
      ...(mime !== undefined ? { mime } : {}),
    });
    return {
      file,
      logged: {
        url: str,
        file_id: file.file_id,
        ...(filename !== undefined ? { filename } : {}),
        ...(mime !== undefined ? { mime } : {}),
      },
    };
  }
  const existing = core.files.get(str);
  if (!existing) throw badRequest('wrong file identifier/HTTP URL specified', true);
  return {
    file: existing,
    bytes: existing.bytes,
    logged: {
      bytes: existing.bytes,
      file_id_sent: str,
      file_id: existing.file_id,
      ...(existing.filename !== undefined ? { filename: existing.filename } : {}),
      ...(existing.mime !== undefined ? { mime: existing.mime } : {}),
    },
  };
}

/** The Message fields describing a sent file. */
function mediaFields(
  core: Core,
  kind: MessageKind,
  media: ResolvedMedia,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const { file } = media;
  const base = { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.size };
  const named = {
    ...(file.filename !== undefined ? { file_name: file.filename } : {}),
    ...(file.mime !== undefined ? { mime_type: file.mime } : {}),
  };
  const int = (k: string, d: number): number => (typeof extra[k] === 'number' ? (extra[k] as number) : d);
  switch (kind) {
    case 'photo': {
      const size =
        media.bytes && media.bytes.length > 0 ? imageSize(media.bytes) : { width: 1280, height: 1280 };
      const scale = Math.min(1, 90 / Math.max(size.width, size.height, 1));
      const thumb = core.registerFile(media.bytes ?? Buffer.alloc(0), { kind: 'photo' });
      return {
        photo: [
          {
            file_id: thumb.file_id,
            file_unique_id: thumb.file_unique_id,
            file_size: thumb.size,
            width: Math.max(1, Math.round(size.width * scale)),
            height: Math.max(1, Math.round(size.height * scale)),
          },
          { ...base, ...size },
        ],
      };
    }
    case 'audio':
      return {
        audio: {
          ...base,
          ...named,
          duration: int('duration', 0),
          ...(typeof extra.performer === 'string' ? { performer: extra.performer } : {}),
          ...(typeof extra.title === 'string' ? { title: extra.title } : {}),
        },
      };
    case 'voice':
      return { voice: { ...base, duration: int('duration', 0), mime_type: file.mime ?? 'audio/ogg' } };
    case 'video':
      return {
        video: {
          ...base,
          ...named,
          width: int('width', 1280),
          height: int('height', 720),
          duration: int('duration', 0),
        },
      };
    default:
      return { document: { ...base, ...named } };
  }
}

/**
 * The uploaded `thumbnail` of an audio, video or document, as the PhotoSize the message carries. The
 * Bot API docs say it "should be" a JPEG of at most 200 kB and 320 px a side, and ignore one that was
 * not uploaded; what a real server does with a bad upload is undocumented (it may drop it quietly),
 * so the fake refuses it, as a protocol misuse a test should catch.
 */
function resolveThumbnail(core: Core, p: Params): Record<string, unknown> | undefined {
  const value = p.json('thumbnail');
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest('thumbnail must be a String', true);
  const part = p.part(value, 'thumbnail');
  if (!part) return undefined;
  const format = imageFormat(part.bytes);
  const { width, height } = imageSize(part.bytes);
  if (
    format !== 'jpeg' ||
    part.bytes.length > THUMBNAIL_MAX_BYTES ||
    width > THUMBNAIL_MAX_SIDE_PX ||
    height > THUMBNAIL_MAX_SIDE_PX
  ) {
    throw badRequest(
      `thumbnail must be a JPEG of at most 200 kB and 320x320 px, got ${format ?? 'unknown'} ` +
        `${width}x${height}, ${part.bytes.length} bytes (FakeTelegram is strict here)`,
      true,
    );
  }
  const file = core.registerFile(part.bytes, { kind: 'photo', mime: 'image/jpeg' });
  return { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.size, width, height };
}

function sendMedia(kind: Exclude<MessageKind, 'text'>): Handler {
  return ({ core, p }) => {
    const cs = core.resolveChat(p.json('chat_id'));
    const media = resolveMedia(core, p, kind, kind, p.json(kind));
    const thumbnail =
      kind === 'audio' || kind === 'video' || kind === 'document' ? resolveThumbnail(core, p) : undefined;
    const caption = formatCaption(core, p.str('caption'), p.str('parse_mode'), p.json('caption_entities'));
    const markup = parseMarkup(p);
    const replyTo = resolveReply(cs, p);
    const threadId = resolveThread(cs, p, replyTo);
    const fields = mediaFields(core, kind, media, p.values);
    if (thumbnail) Object.assign(fields[kind] as Record<string, unknown>, { thumbnail });
    const sm = createBotMessage(core, cs, {
      kind,
      caption,
      markup,
      replyTo,
      threadId,
      media: fields,
      file: media.logged,
    });
    return sm.message;
  };
}

const handlers: Record<string, Handler> = {
  getMe: ({ core }) => core.botInfo,

  getChatMember,

  logOut: () => true,

  setWebhook: ({ core, p }) => {
    const url = p.str('url');
    if (url === undefined) throw badRequest('url is required', true);
    if (p.bool('drop_pending_updates')) core.pending = [];
    if (url === '') core.webhook = undefined;
    else {
      if (!/^https?:\/\//.test(url))
        throw badRequest('bad webhook: An HTTPS URL must be provided for webhook');
      const secret = p.str('secret_token');
      core.webhook = { url, ...(secret !== undefined ? { secret_token: secret } : {}) };
    }
    return true;
  },

  deleteWebhook: ({ core, p }) => {
    core.webhook = undefined;
    if (p.bool('drop_pending_updates')) core.pending = [];
    return true;
  },

  getWebhookInfo: ({ core }) => ({
    url: core.webhook?.url ?? '',
    has_custom_certificate: false,
    pending_update_count: core.pending.length,
  }),

  getUpdates: async ({ core, p, signal }) => {
    if (core.webhook) {
      throw new TgError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        { unexpected: true },
      );
    }
    const offset = p.int('offset');
    const limit = Math.min(100, Math.max(1, p.int('limit') ?? 100));
    const timeout = Math.max(0, p.int('timeout') ?? 0);
    const allowed = p.json('allowed_updates');
    if (allowed !== undefined) {
      if (!Array.isArray(allowed) || allowed.some((a) => typeof a !== 'string')) {
        throw badRequest("can't parse allowed updates JSON object", true);
      }
      core.allowedUpdates = allowed as string[];
    }
    if (offset !== undefined) core.confirm(offset);
    let batch = core.deliverable().slice(0, limit);
    if (batch.length === 0 && timeout > 0 && !signal.aborted) {
      await core.waitForUpdate(timeout * 1000, signal);
      batch = core.deliverable().slice(0, limit);
    }
    return batch;
  },

  sendMessage: ({ core, p }) => {
    const cs = core.resolveChat(p.json('chat_id'));
    const fmt = formatMessageText(core, p);
    const markup = parseMarkup(p);
    const forceReply = parseForceReply(p);
    const replyTo = resolveReply(cs, p);
    const threadId = resolveThread(cs, p, replyTo);
    const sm = createBotMessage(core, cs, { kind: 'text', fmt, markup, replyTo, threadId });
    if (forceReply) sm.forceReply = forceReply;
    return sm.message;
  },

  sendMessageDraft: ({ core, p }) => {
    const chatId = p.json('chat_id');
    if (chatId === undefined) throw badRequest('chat_id is empty', true);
    if (typeof chatId !== 'number') throw badRequest('chat_id must be an Integer', true);
    if (chatId <= 0) throw badRequest('message drafts can be sent only to private chats');
    const cs = core.resolveChat(chatId);
    const draftId = p.requireInt('draft_id');
    if (draftId === 0) throw badRequest('draft_id must be non-zero', true);
    const fmt = format(core, p.str('text') ?? '', p.str('parse_mode'), p.json('entities'));
    if (telegramLength(fmt.text) > TEXT_LIMIT) throw badRequest('message is too long');
    const canStop = p.bool('can_stop') === true;
    const keepOnStop = p.bool('keep_on_stop') === true;
    cs.drafts.push({
      chat_id: chatId,
      draft_id: draftId,
      text: fmt.text,
      ...(fmt.html !== undefined ? { html: fmt.html } : {}),
      ...(canStop ? { can_stop: true } : {}),
      ...(keepOnStop ? { keep_on_stop: true } : {}),
      at: Date.now(),
    });
    // A preview of about 30 s from this update (Bot API docs); see DraftBoard.
    core.draftBoard.touch(chatId, draftId, { canStop, keepOnStop });
    return true;
  },

  editMessageText: ({ core, p }) => {
    const { sm } = editTarget(core, p);
    if (sm.kind !== 'text') throw badRequest('there is no text in the message to edit');
    const fmt = formatMessageText(core, p);
    const markup = parseMarkup(p, true);
    if (fmt.text === sm.text && sameJson(fmt.entities, sm.entities) && sameJson(markup, sm.replyMarkup)) {
      throw notModified(core);
    }
    sm.message = withFields(sm.message, {
      text: fmt.text,
      entities: fmt.entities,
      reply_markup: markup,
      edit_date: nowSec(),
    });
    applyFormatted(sm, fmt);
    sm.text = fmt.text;
    setMarkup(sm, markup);
    sm.edits++;
    sm.history.push(fmt.text);
    return sm.message;
  },

  editMessageCaption: ({ core, p }) => {
    const { sm } = editTarget(core, p);
    if (sm.kind === 'text') throw badRequest('there is no caption in the message to edit');
    const caption = formatCaption(core, p.str('caption'), p.str('parse_mode'), p.json('caption_entities'));
    const markup = parseMarkup(p, true);
    const text = caption?.text ?? '';
    if (text === sm.text && sameJson(caption?.entities, sm.entities) && sameJson(markup, sm.replyMarkup)) {
      throw notModified(core);
    }
    sm.message = withFields(sm.message, {
      caption: caption?.text,
      caption_entities: caption?.entities,
      reply_markup: markup,
      edit_date: nowSec(),
    });
    applyFormatted(sm, caption);
    sm.text = text;
    if (caption !== undefined) sm.caption = caption.text;
    else delete sm.caption;
    setMarkup(sm, markup);
    sm.edits++;
    sm.history.push(text);
    return sm.message;
  },

  editMessageReplyMarkup: ({ core, p }) => {
    const { sm } = editTarget(core, p);
    const markup = parseMarkup(p, true);
    if (sameJson(markup, sm.replyMarkup)) throw notModified(core);
    sm.message = withFields(sm.message, { reply_markup: markup, edit_date: nowSec() });
    setMarkup(sm, markup);
    sm.edits++;
    return sm.message;
  },

  deleteMessage: ({ core, p }) => {
    const cs = core.resolveChat(p.json('chat_id'));
    const id = p.requireInt('message_id', 'message identifier is not specified');
    const sm = cs.messages.get(id);
    if (!sm || sm.deleted) throw badRequest('message to delete not found');
    sm.deleted = true;
    return true;
  },

  deleteMessages: ({ core, p }) => {
    const cs = core.resolveChat(p.json('chat_id'));
    const ids = p.array('message_ids');
    if (!ids || ids.length === 0 || ids.length > 100)
      throw badRequest('message_ids must contain 1-100 items', true);
    for (const id of ids) {
      const sm = typeof id === 'number' ? cs.messages.get(id) : undefined;
      if (sm) sm.deleted = true;
    }
    return true;
  },

  sendPhoto: sendMedia('photo'),
  sendAudio: sendMedia('audio'),
  sendVoice: sendMedia('voice'),
  sendVideo: sendMedia('video'),
  sendDocument: sendMedia('document'),

  sendMediaGroup: ({ core, p }) => {
    const cs = core.resolveChat(p.json('chat_id'));
    const media = p.array('media');
    if (!media || media.length < 2 || media.length > 10) {
      throw badRequest('media must contain 2-10 items', true);
    }
    const replyTo = resolveReply(cs, p);
    const threadId = resolveThread(cs, p, replyTo);
    const mediaGroupId = core.nextMediaGroupId();
    const resolved = media.map((item) => {
      if (typeof item !== 'object' || item === null)
        throw badRequest("can't parse InputMedia JSON object", true);
      const m = item as Record<string, unknown>;
      const kind = m.type;
      if (kind !== 'photo' && kind !== 'video' && kind !== 'audio' && kind !== 'document') {
        throw badRequest(`unsupported InputMedia type ${String(kind)}`, true);
      }
      const file = resolveMedia(core, p, 'media', kind, m.media);
      const caption = formatCaption(
        core,
        typeof m.caption === 'string' ? m.caption : undefined,
        typeof m.parse_mode === 'string' ? m.parse_mode : undefined,
        m.caption_entities,
      );
      return { kind: kind as MessageKind, file, caption, extra: m };
    });
    return resolved.map(
      ({ kind, file, caption, extra }) =>
        createBotMessage(core, cs, {
          kind,
          caption,
          replyTo,
          mediaGroupId,
          threadId,
          media: mediaFields(core, kind, file, extra),
          file: file.logged,
        }).message,
    );
  },

  sendChatAction: ({ core, p }) => {
    const cs = core.resolveChat(p.json('chat_id'));
    const action = p.str('action');
    if (action === undefined || action === '') throw badRequest('action is empty', true);
    if (!CHAT_ACTIONS.has(action)) throw badRequest('wrong parameter action in request', true);
    resolveThread(cs, p, undefined);
    cs.actions.push(action);
    return true;
  },

  getFile: ({ core, p }) => {
    const id = p.str('file_id');
    if (id === undefined || id === '') throw badRequest('file_id is required', true);
    const file = core.files.get(id);
    if (!file) throw badRequest('invalid file_id', true);
    if (file.size > 20 * MB) throw badRequest('file is too big');
    return {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      file_size: file.size,
      file_path: file.file_path,
    };
  },

  answerCallbackQuery: ({ core, p }) => {
    const id = p.str('callback_query_id');
    if (id === undefined || id === '') throw badRequest('callback_query_id is required', true);
    if (!core.openCallbacks.has(id)) {
      throw badRequest('query is too old and response timeout expired or query ID is invalid');
    }
    const text = p.str('text');
    if (text !== undefined && text.length > 200) throw badRequest('MESSAGE_TOO_LONG');
    core.openCallbacks.delete(id);
    const url = p.str('url');
    const showAlert = p.bool('show_alert');
    core.callbackAnswers.push({
      callback_query_id: id,
      ...(text !== undefined ? { text } : {}),
      ...(showAlert !== undefined ? { show_alert: showAlert } : {}),
      ...(url !== undefined ? { url } : {}),
      at: Date.now(),
    });
    return true;
  },

  setMyCommands: ({ core, p }) => {
    const commands = p.array('commands');
    if (commands === undefined) throw badRequest('commands is required', true);
    if (commands.length > 100) throw badRequest('too many commands');
    const clean: BotCommand[] = commands.map((c) => {
      const cmd = c as Partial<BotCommand> | null;
      if (typeof cmd?.command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(cmd.command)) {
        throw badRequest('BOT_COMMAND_INVALID');
      }
      if (typeof cmd.description !== 'string' || cmd.description.length < 1 || cmd.description.length > 256) {
        throw badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
      }
      return { command: cmd.command, description: cmd.description };
    });
    core.commands.set(commandsKey(p.object('scope'), p.str('language_code')), clean);
    return true;
  },

  getMyCommands: ({ core, p }) =>
    core.commands.get(commandsKey(p.object('scope'), p.str('language_code'))) ?? [],

  deleteMyCommands: ({ core, p }) => {
    core.commands.delete(commandsKey(p.object('scope'), p.str('language_code')));
    return true;
  },
};

function applyFormatted(sm: StoredMessage, fmt: Formatted | undefined): void {
  if (fmt?.entities !== undefined) sm.entities = fmt.entities;
  else delete sm.entities;
  if (fmt?.html !== undefined) sm.html = fmt.html;
  else delete sm.html;
  if (fmt?.parseMode !== undefined) sm.parseMode = fmt.parseMode;
  else delete sm.parseMode;
}

function setMarkup(sm: StoredMessage, markup: InlineKeyboardMarkup | undefined): void {
  if (markup !== undefined) sm.replyMarkup = markup;
  else delete sm.replyMarkup;
}

/** Method handlers keyed by lower-cased name (Telegram method names are case-insensitive). */
export const METHODS = new Map<string, { name: string; handler: Handler }>(
  Object.entries(handlers).map(([name, handler]) => [name.toLowerCase(), { name, handler }]),
);

/** Methods whose calls count toward Telegram's per-chat sending limits. */
export function isRated(method: string): boolean {
  return /^(send|edit|copy|forward)/.test(method) && method !== 'sendChatAction';
}
