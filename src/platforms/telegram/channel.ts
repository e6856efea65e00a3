import { type Api, GrammyError, InputFile } from 'grammy';
import type { InlineKeyboardMarkup, Message } from 'grammy/types';
import type { Logger } from 'pino';
import { request } from 'undici';
import type {
  MessageRef,
  OutgoingFile,
  OutgoingMessage,
  PlatformButton,
  ReplyChannel,
} from '../../core/platform.js';
import { downloadPool } from './http.js';
import { TELEGRAM_MAX_CAPTION_CHARS, TELEGRAM_MAX_THUMBNAIL_BYTES } from './limits.js';
import { toTelegramHtml, visibleLength } from './markdown.js';

/** Shared by every chat: once a server refuses drafts, the adapter stops asking. */
export interface DraftSupport {
  supported: boolean;
}

const isNotModified = (e: unknown) =>
  e instanceof GrammyError && /message is not modified/i.test(e.description);
const isParseError = (e: unknown) =>
  e instanceof GrammyError &&
  /can't parse entities|unsupported start tag|can't find end/i.test(e.description);
const isDraftRefused = (e: unknown) =>
  e instanceof GrammyError &&
  (e.error_code === 404 || /method not found|not supported|unknown method/i.test(e.description));

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

/** A small JPEG cover for audio players; Telegram ignores anything larger. */
async function thumbnail(url: string | undefined): Promise<InputFile | undefined> {
  if (!url) return undefined;
  try {
    const res = await request(url, { dispatcher: downloadPool, headersTimeout: 10_000, bodyTimeout: 10_000 });
    const size = Number(res.headers['content-length'] ?? Number.NaN);
    if (res.statusCode !== 200 || !(size <= TELEGRAM_MAX_THUMBNAIL_BYTES)) {
      res.body.on('error', () => {});
      res.body.destroy();
      return undefined;
    }
    return new InputFile(Buffer.from(await res.body.arrayBuffer()), 'cover.jpg');
  } catch {
    return undefined;
  }
}

function inputOf(file: OutgoingFile): InputFile | string {
  return file.data ? new InputFile(Buffer.from(file.data), file.name) : (file.url ?? '');
}

/** Replies in one Telegram chat: text as HTML, files by their kind, buttons as an inline keyboard. */
export class TelegramChannel implements ReplyChannel {
  constructor(
    private readonly api: Api,
    private readonly chatId: number,
    isPrivate: boolean,
    private readonly drafts: DraftSupport,
    private readonly log: Logger,
  ) {
    if (isPrivate) this.draft = this.#makeDraft();
  }

  #ref(m: Message): MessageRef {
    return { chatId: String(this.chatId), messageId: String(m.message_id) };
  }

  #replyTo(id: string | undefined) {
    return id ? { reply_parameters: { message_id: Number(id), allow_sending_without_reply: true } } : {};
  }

  async send(message: OutgoingMessage): Promise<MessageRef> {
    const files = message.files ?? [];
    if (files.length === 0) return this.#sendText(message.text, message.buttons, message.replyTo);
    // A caption holds 1024 characters; a longer text follows the files as its own message.
    const captionFits =
      files.length === 1 && visibleLength(toTelegramHtml(message.text)) <= TELEGRAM_MAX_CAPTION_CHARS;
    let last: MessageRef | undefined;
    for (const [i, file] of files.entries()) {
      const isLast = i === files.length - 1;
      const caption = captionFits ? message.text : '';
      const buttons = isLast && captionFits ? message.buttons : undefined;
      last = await this.#sendFile(file, caption, buttons, i === 0 ? message.replyTo : undefined);
    }
    if (!captionFits && message.text.trim())
      last = await this.#sendText(message.text, message.buttons, undefined);
    return last!;
  }

  async #sendText(
    text: string,
    buttons: PlatformButton[][] | undefined,
    replyTo: string | undefined,
  ): Promise<MessageRef> {
    const sent = await withHtml(
      text,
      (body, html) =>
        this.api.sendMessage(this.chatId, body, {
          ...(html ? { parse_mode: 'HTML' as const } : {}),
          ...keyboard(buttons),
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
    const sent = await withHtml(
      caption,
      async (body, html) => {
        const common = {
          ...(body ? { caption: body } : {}),
          ...(html && body ? { parse_mode: 'HTML' as const } : {}),
          ...keyboard(buttons),
          ...this.#replyTo(replyTo),
        };
        switch (file.kind) {
          case 'image':
            return this.api.sendPhoto(this.chatId, input, common);
          case 'audio': {
            const thumb = file.data ? await thumbnail(file.thumbnailUrl) : undefined;
            return this.api.sendAudio(this.chatId, input, {
              ...common,
              ...(file.title ? { title: file.title } : {}),
              ...(file.performer ? { performer: file.performer } : {}),
              ...(file.durationSeconds ? { duration: Math.round(file.durationSeconds) } : {}),
              ...(thumb ? { thumbnail: thumb } : {}),
            });
          }
          case 'video':
            return this.api.sendVideo(this.chatId, input, { ...common, supports_streaming: true });
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
      if (!isNotModified(error)) throw error;
    }
  }

  /** Native drafts (Bot API 9.5): private chats only; refused once means refused for good. */
  readonly draft?: (draftId: number, text: string) => Promise<boolean>;

  #makeDraft(): (draftId: number, text: string) => Promise<boolean> {
    return async (draftId, text) => {
      if (!this.drafts.supported) return false;
      try {
        await withHtml(
          text,
          (body, html) =>
            this.api.sendMessageDraft(this.chatId, draftId, body, html ? { parse_mode: 'HTML' } : {}),
          this.log,
        );
        return true;
      } catch (error) {
        if (!isDraftRefused(error)) throw error;
        this.log.info(
          { err: error },
          'drafts refused by this Bot API server; streaming by edits from now on',
        );
        this.drafts.supported = false;
        return false;
      }
    };
  }

  async typing(): Promise<void> {
    await this.api.sendChatAction(this.chatId, 'typing').catch(() => {});
  }
}
