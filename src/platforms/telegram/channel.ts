import { type Api, GrammyError, InputFile, type Transformer } from 'grammy';
import type { InlineKeyboardMarkup, Message } from 'grammy/types';
import type { Logger } from 'pino';
import { formatBytes } from '../../core/media.js';
import { MessageGoneError } from '../../core/message-gone.js';
import type {
  DraftOptions,
  MessageRef,
  OutgoingFile,
  OutgoingMessage,
  PlatformButton,
  ReplyChannel,
} from '../../core/platform.js';
import { BotError } from '../../errors.js';
import { fitsAsPhoto, thumbnailFrom } from './files.js';
import { TELEGRAM_MAX_CAPTION_CHARS, TELEGRAM_MAX_UPLOAD_BYTES } from './limits.js';
import { telegramLength, toTelegramHtml } from './markdown.js';

/** Shared by every chat: once a server refuses drafts, the adapter stops asking. */
export interface DraftSupport {
  supported: boolean;
}

const isNotModified = (e: unknown) =>
  e instanceof GrammyError && /message is not modified/i.test(e.description);
/**
 * The message was deleted (by the user, or an admin in a group): Telegram sends no update when that
 * happens, so a failed edit is the only word of it (400 "Bad Request: message to edit not found").
 */
const isEditTargetGone = (e: unknown) =>
  e instanceof GrammyError && e.error_code === 400 && /message to edit not found/i.test(e.description);
const isParseError = (e: unknown) =>
  e instanceof GrammyError &&
  /can't parse entities|unsupported start tag|can't find end/i.test(e.description);
/**
 * A refusal that means "this server has no drafts" (an older or local Bot API server): 404, 501,
 * or a 400 naming an unknown method. Any other error fails only the draft it answered.
 */
const isDraftUnsupported = (e: unknown) =>
  e instanceof GrammyError &&
  (e.error_code === 404 ||
    e.error_code === 501 ||
    /method not found|not supported|unknown method|not implemented/i.test(e.description));

/** Longest a draft may take: a preview that hangs is worth less than the message it delays. */
export const DRAFT_TIMEOUT_MS = 10_000;

/**
 * Bot API methods that must fail at once rather than be retried with backoff (auto-retry waits
 * 3 + 6 + 12 + 24 s on a 5xx): a draft or a "typing…" that did not arrive is not worth the wait.
 */
export const NO_RETRY_METHODS: ReadonlySet<string> = new Set(['sendMessageDraft', 'sendChatAction']);

/** `retry` (grammY's auto-retry) for every method but those in `except`, which go straight through. */
export function retryExcept(retry: Transformer, except: ReadonlySet<string> = NO_RETRY_METHODS): Transformer {
  return (prev, method, payload, signal) =>
    except.has(method) ? prev(method, payload, signal) : retry(prev, method, payload, signal);
}

function keyboard(
  buttons: PlatformButton[][] | undefined,
): { reply_markup: InlineKeyboardMarkup } | Record<string, never> {
  if (!buttons?.length) return {};
  return {
    reply_markup: {
      inline_keyboard: buttons.map((row) => row.map((b) => ({ text: b.label, callback_data: b.data }))),
    },
  };
}

/**
 * Sends `html`, falling back to the plain markdown text for a chunk Telegram refuses to parse,
 * so a model's odd markdown never loses the answer.
 */
async function withHtml<T>(
  markdown: string,
  send: (text: string, html: boolean) => Promise<T>,
  log: Logger,
): Promise<T> {
  try {
    return await send(toTelegramHtml(markdown), true);
  } catch (error) {
    if (!isParseError(error)) throw error;
    log.warn({ err: error }, 'Telegram refused the HTML; sending plain text');
    return send(markdown, false);
  }
}

/**
 * The cover of an uploaded audio or video as Telegram takes it (a JPEG of at most 200 kB and 320 px
 * a side, made from whatever image the URL holds), or nothing when it cannot be made. A thumbnail
 * goes only with an uploaded file (Telegram ignores it otherwise).
 */
async function thumbnail(file: OutgoingFile): Promise<{ thumbnail: InputFile } | Record<string, never>> {
  if (!file.data || !file.thumbnailUrl) return {};
  const jpeg = await thumbnailFrom(file.thumbnailUrl);
  return jpeg ? { thumbnail: new InputFile(jpeg, 'cover.jpg') } : {};
}

function inputOf(file: OutgoingFile): InputFile | string {
  return file.data ? new InputFile(Buffer.from(file.data), file.name) : (file.url ?? '');
}

/**
 * Files the bot may upload, and links (in the text) for those over Telegram's 50 MB: a file the
 * commands downloaded themselves is capped already; this keeps any other from a refused call.
 */
function sortFiles(files: readonly OutgoingFile[]): { uploads: OutgoingFile[]; links: string[] } {
  const uploads: OutgoingFile[] = [];
  const links: string[] = [];
  for (const file of files) {
    if (!file.data || file.data.length <= TELEGRAM_MAX_UPLOAD_BYTES) uploads.push(file);
    else if (file.url) links.push(file.url);
    else throw tooLargeToSend(file.name, file.data.length);
  }
  return { uploads, links };
}

function tooLargeToSend(name: string, size: number): BotError {
  const max = formatBytes(TELEGRAM_MAX_UPLOAD_BYTES);
  return new BotError('input', `${name} is too large to send`, {
    userMessage: {
      en: `“${name}” is too large to send here (${formatBytes(size)}); Telegram bots can send at most ${max}.`,
      zh: `“${name}” 太大（${formatBytes(size)}），无法在这里发送；Telegram 机器人最多只能发送 ${max}。`,
    },
  });
}

/** Replies in one Telegram chat: text as HTML, files by their kind, buttons as an inline keyboard. */
export class TelegramChannel implements ReplyChannel {
  constructor(
    private readonly api: Api,
    private readonly chatId: number,
    isPrivate: boolean,
    private readonly drafts: DraftSupport,
    private readonly log: Logger,
    /** The forum topic (`message_thread_id`) every message of this channel goes to. */
    private readonly threadId?: number | undefined,
  ) {
    // Once the server refused drafts, answers in new channels stream by edits from the start.
    if (isPrivate && drafts.supported) this.draft = this.#makeDraft();
  }

  #ref(m: Message): MessageRef {
    return {
      chatId: String(this.chatId),
      messageId: String(m.message_id),
      ...(this.threadId !== undefined ? { extra: { threadId: String(this.threadId) } } : {}),
    };
  }

  /** The topic a send goes to: without it a message lands in a forum's "General". */
  #thread(): { message_thread_id: number } | Record<string, never> {
    return this.threadId !== undefined ? { message_thread_id: this.threadId } : {};
  }

  /** Where a send goes: the channel's topic, and the message it answers. */
  #replyTo(id: string | undefined) {
    return {
      ...this.#thread(),
      ...(id ? { reply_parameters: { message_id: Number(id), allow_sending_without_reply: true } } : {}),
    };
  }

  async send(message: OutgoingMessage): Promise<MessageRef> {
    const { uploads: files, links } = sortFiles(message.files ?? []);
    const text = links.length ? [message.text, ...links].filter((s) => s.trim()).join('\n') : message.text;
    if (files.length === 0) {
      return this.#sendText(text, message.buttons, message.replyTo, message.forceReply);
    }
    // A caption holds 1024 characters as Telegram counts them; a longer text follows the files as
    // its own message.
    const captionFits = files.length === 1 && telegramLength(text) <= TELEGRAM_MAX_CAPTION_CHARS;
    let last: MessageRef | undefined;
    for (const [i, file] of files.entries()) {
      const isLast = i === files.length - 1;
      const caption = captionFits ? text : '';
      const buttons = isLast && captionFits ? message.buttons : undefined;
      last = await this.#sendFile(file, caption, buttons, i === 0 ? message.replyTo : undefined);
    }
    if (!captionFits && text.trim()) last = await this.#sendText(text, message.buttons, undefined);
    return last!;
  }

  async #sendText(
    text: string,
    buttons: PlatformButton[][] | undefined,
    replyTo: string | undefined,
    forceReply?: OutgoingMessage['forceReply'],
  ): Promise<MessageRef> {
    // A question opens the user's reply field (ForceReply); buttons win when a message has both.
    const markup =
      forceReply && !buttons?.length
        ? {
            reply_markup: {
              force_reply: true as const,
              ...(forceReply.placeholder ? { input_field_placeholder: forceReply.placeholder } : {}),
            },
          }
        : keyboard(buttons);
    const sent = await withHtml(
      text,
      (body, html) =>
        this.api.sendMessage(this.chatId, body, {
          ...(html ? { parse_mode: 'HTML' as const } : {}),
          ...markup,
          ...this.#replyTo(replyTo),
          link_preview_options: { is_disabled: true },
        }),
      this.log,
    );
    return this.#ref(sent);
  }

  async #sendFile(
    file: OutgoingFile,
    caption: string,
    buttons: PlatformButton[][] | undefined,
    replyTo: string | undefined,
  ): Promise<MessageRef> {
    const input = inputOf(file);
    // sendPhoto takes at most 10 MB (and sane dimensions): a larger image goes as a document.
    const kind = file.kind === 'image' && file.data && !(await fitsAsPhoto(file.data)) ? 'file' : file.kind;
    const thumb = kind === 'audio' || kind === 'video' ? await thumbnail(file) : {};
    const sent = await withHtml(
      caption,
      async (body, html) => {
        const common = {
          ...(body ? { caption: body } : {}),
          ...(html && body ? { parse_mode: 'HTML' as const } : {}),
          ...keyboard(buttons),
          ...this.#replyTo(replyTo),
        };
        switch (kind) {
          case 'image':
            return this.api.sendPhoto(this.chatId, input, common);
          case 'audio':
            return this.api.sendAudio(this.chatId, input, {
              ...common,
              ...(file.title ? { title: file.title } : {}),
              ...(file.performer ? { performer: file.performer } : {}),
              ...(file.durationSeconds ? { duration: Math.round(file.durationSeconds) } : {}),
              ...thumb,
            });
          case 'video':
            return this.api.sendVideo(this.chatId, input, { ...common, ...thumb, supports_streaming: true });
          default:
            return this.api.sendDocument(this.chatId, input, common);
        }
      },
      this.log,
    );
    return this.#ref(sent);
  }

  async edit(ref: MessageRef, message: OutgoingMessage): Promise<void> {
    try {
      await withHtml(
        message.text,
        (body, html) =>
          this.api.editMessageText(Number(ref.chatId), Number(ref.messageId), body, {
            ...(html ? { parse_mode: 'HTML' as const } : {}),
            ...keyboard(message.buttons),
            link_preview_options: { is_disabled: true },
          }),
        this.log,
      );
    } catch (error) {
      // The same text twice is not an error for us; the renderer avoids it, this makes sure.
      if (isNotModified(error)) return;
      if (isEditTargetGone(error)) throw new MessageGoneError(ref, { cause: error });
      throw error;
    }
  }

  /** Deletes a message the bot sent (Telegram allows it for 48 hours); rejects when refused. */
  async delete(ref: MessageRef): Promise<void> {
    await this.api.deleteMessage(Number(ref.chatId), Number(ref.messageId));
  }

  /**
   * Native drafts (Bot API 9.5): private chats only. Never throws: any error means "not shown"
   * (the renderer sends a normal message); a "not supported" refusal turns drafts off for good.
   * Not retried (see NO_RETRY_METHODS) and bounded by DRAFT_TIMEOUT_MS.
   */
  readonly draft?: (draftId: number, text: string, options?: DraftOptions) => Promise<boolean>;

  #makeDraft(): (draftId: number, text: string, options?: DraftOptions) => Promise<boolean> {
    type Signal = Parameters<Api['sendMessageDraft']>[4];
    return async (draftId, text, options = {}) => {
      if (!this.drafts.supported) return false;
      try {
        await withHtml(
          text,
          (body, html) =>
            this.api.sendMessageDraft(
              this.chatId,
              draftId,
              body,
              {
                ...this.#thread(),
                ...(html ? { parse_mode: 'HTML' as const } : {}),
                ...(options.canStop ? { can_stop: true } : {}),
              },
              AbortSignal.timeout(DRAFT_TIMEOUT_MS) as Signal,
            ),
          this.log,
        );
        return true;
      } catch (error) {
        if (isDraftUnsupported(error)) {
          if (this.drafts.supported)
            this.log.info(
              { err: error },
              'drafts refused by this Bot API server; streaming by edits from now on',
            );
          this.drafts.supported = false;
        } else {
          this.log.warn({ err: error }, 'a draft failed; this answer continues as a normal message');
        }
        return false;
      }
    };
  }

  async typing(): Promise<void> {
    await this.api.sendChatAction(this.chatId, 'typing', this.#thread()).catch(() => {});
  }
}
