import type { Bot, Context } from 'grammy';
import type { Message, UserFromGetMe } from 'grammy/types';
import type { Logger } from 'pino';
import type { ChatRef, ReplyChannel } from '../../core/platform.js';
import type { ChatAdmins } from './chat-admins.js';
import type { FileSource } from './files.js';
import {
  type AlbumLookup,
  chatRef,
  type Incoming,
  translateAlbum,
  translateMessage,
  userRef,
} from './incoming.js';

/** Albums remembered (per process) so a later reply to one of their photos takes them all. */
export const REMEMBERED_ALBUMS = 500;
/** An album's parts arrive as separate updates moments apart: it is answered this long after the last. */
export const ALBUM_QUIET_MS = 700;
/** ...and at the latest this long after its first part. */
export const ALBUM_MAX_WAIT_MS = 3_000;
/**
 * A button press is answered (the spinner stops) when the command first posts or edits, when it
 * ends, or after this long, whichever comes first; until then an error can still be an alert.
 */
export const PRESS_ANSWER_WAIT_MS = 5_000;
/** Telegram shows at most 200 characters in a callback query's answer. */
export const TELEGRAM_MAX_ALERT_CHARS = 200;

/** What the update handlers need from the adapter. */
export interface ListenDeps {
  source: FileSource;
  log: Logger;
  admins: ChatAdmins;
  /** The reply channel of a chat (its topic included). */
  channel(chat: ChatRef): ReplyChannel;
  /** Hands one event to the router, in order per member; resolves when it has been handled. */
  dispatch(incoming: Incoming, key: string, channel: ReplyChannel): Promise<void>;
}

/** `text` cut to `max` UTF-16 units without splitting a surrogate pair, with an ellipsis when cut. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/**
 * The answer to one button press, given once: empty (the spinner stops) or an alert with a text.
 * Telegram refuses an answer given too late; that is logged, and `answer` resolves false.
 */
class PressAnswer {
  #done = false;
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly ctx: Context,
    private readonly log: Logger,
  ) {
    this.#timer = setTimeout(() => void this.answer(), PRESS_ANSWER_WAIT_MS);
    this.#timer.unref();
  }

  async answer(alert?: string): Promise<boolean> {
    if (this.#done) return false;
    this.#done = true;
    clearTimeout(this.#timer);
    try {
      await this.ctx.answerCallbackQuery(
        alert ? { text: clip(alert, TELEGRAM_MAX_ALERT_CHARS), show_alert: true } : {},
      );
      return true;
    } catch (error) {
      this.log.warn({ err: error }, 'answerCallbackQuery failed');
      return false;
    }
  }
}

/** `channel`, answering the press (empty) just before the command's first post or edit. */
function answeringFirst(channel: ReplyChannel, press: PressAnswer): ReplyChannel {
  return new Proxy(channel, {
    get(target, prop) {
      if (prop === 'send') {
        return (...args: Parameters<ReplyChannel['send']>) => {
          void press.answer();
          return target.send(...args);
        };
      }
      if (prop === 'edit') {
        return (...args: Parameters<ReplyChannel['edit']>) => {
          void press.answer();
          return target.edit(...args);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * Gathers the parts of each album (one `media_group_id`) and hands them over together once no
 * part came for `ALBUM_QUIET_MS` (or `ALBUM_MAX_WAIT_MS` after the first).
 */
class AlbumCollector {
  readonly #albums = new Map<
    string,
    { parts: Message[]; me: UserFromGetMe; quiet: NodeJS.Timeout; deadline: NodeJS.Timeout }
  >();

  constructor(private readonly done: (parts: Message[], me: UserFromGetMe) => void) {}

  add(key: string, part: Message, me: UserFromGetMe): void {
    const album = this.#albums.get(key);
    if (album) {
      album.parts.push(part);
      album.quiet.refresh();
      return;
    }
    const finish = () => {
      const gathered = this.#albums.get(key);
      if (!gathered) return;
      this.#albums.delete(key);
      clearTimeout(gathered.quiet);
      clearTimeout(gathered.deadline);
      this.done(gathered.parts, gathered.me);
    };
    this.#albums.set(key, {
      parts: [part],
      me,
      quiet: setTimeout(finish, ALBUM_QUIET_MS),
      deadline: setTimeout(finish, ALBUM_MAX_WAIT_MS),
    });
  }
}

/**
 * The last `REMEMBERED_ALBUMS` albums this process gathered, by chat and `media_group_id`: Telegram
 * names one part of an album as a reply's target, and this gives back the rest. Kept in memory
 * only: after a restart a reply to an older album takes the one photo replied to, as before.
 */
class RecentAlbums {
  readonly #albums = new Map<string, readonly Message[]>();

  remember(parts: readonly Message[]): void {
    const group = parts[0]?.media_group_id;
    if (!group) return;
    const key = `${parts[0]!.chat.id}:${group}`;
    this.#albums.delete(key);
    this.#albums.set(key, parts);
    for (const oldest of this.#albums.keys()) {
      if (this.#albums.size <= REMEMBERED_ALBUMS) break;
      this.#albums.delete(oldest);
    }
  }

  readonly lookup: AlbumLookup = (chatId, group) => this.#albums.get(`${chatId}:${group}`);
}

/**
 * Installs the message and button handlers: messages (albums gathered first) become events for
 * the router; a button press is answered with an alert when the router has something to say to the
 * presser alone, else silently as soon as the command answers. In groups the sender's admin
 * status is asked of Telegram (cached) only when a command wants it.
 */
export function listenForMessages(bot: Bot, deps: ListenDeps): void {
  const { source, log, admins } = deps;

  const withAdminCheck = (incoming: Incoming): Incoming => {
    if (incoming.chat.kind !== 'group' || incoming.senderIsChatAdmin) return incoming;
    const chatId = Number(incoming.chat.id);
    const userId = Number(incoming.user.id);
    // A member posting as a channel (negative id) is no member getChatMember could name.
    const check = userId > 0 ? () => admins.isAdmin(chatId, userId) : async () => false;
    return { ...incoming, senderIsChatAdmin: check };
  };

  const route = (incoming: Incoming | undefined): void => {
    if (!incoming) return;
    const full = withAdminCheck(incoming);
    // Not awaited: the update is acknowledged at once (a webhook must answer quickly).
    void deps.dispatch(full, `${full.chat.id}:${full.user.id}`, deps.channel(full.chat));
  };

  const recent = new RecentAlbums();
  const albums = new AlbumCollector((parts, me) => {
    recent.remember(parts);
    route(translateAlbum(parts, me, source, recent.lookup));
  });

  bot.on('message', (ctx) => {
    const message = ctx.message;
    if (message.media_group_id) {
      albums.add(`${message.chat.id}:${message.media_group_id}`, message, ctx.me);
      return;
    }
    route(translateMessage(message, ctx.me, source, recent.lookup));
  });

  bot.on('callback_query:data', (ctx) => {
    const press = new PressAnswer(ctx, log);
    const message = ctx.callbackQuery.message;
    if (!message) {
      void press.answer();
      return;
    }
    const chat = chatRef(message.chat, 'is_topic_message' in message ? message : undefined);
    const incoming = withAdminCheck({
      user: userRef(ctx.from),
      chat,
      messageId: String(message.message_id),
      event: { type: 'button', data: ctx.callbackQuery.data },
      notice: (text) => press.answer(text),
    });
    const channel = answeringFirst(deps.channel(chat), press);
    // A press never waits behind the member's running answer: it may be that answer's Stop.
    void deps
      .dispatch(incoming, `${chat.id}:${ctx.from.id}:press:${ctx.callbackQuery.id}`, channel)
      .finally(() => press.answer());
  });
}
