import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BotCommand, Chat, Message, Update, User, UserFromGetMe } from 'grammy/types';
import { groupChat, imageSize, privateChat, tgUser } from './builders.js';
import type { DraftEnd, LiveDraft } from './drafts.js';
import { GROUP_ANONYMOUS_BOT, userTextEntities } from './groups.js';
import { type Handler, isRated, METHODS } from './methods.js';
import { badRequest, coerceParams, Params, TgError } from './params.js';
import { Core, commandsKey, type MemberStatus } from './state.js';
import type {
  CallbackAnswer,
  DraftRecord,
  FakeTelegramOptions,
  LoggedMessage,
  RateViolation,
  RecordedCall,
  RecordedError,
  RegisterFileOptions,
  TgErrorSpec,
  UpdateInput,
  UserMediaOptions,
} from './types.js';
import { parseRequestBody, readBody, sendBytes, sendJson } from './wire.js';

export const DEFAULT_TOKEN = '7000000001:AAFakeTelegramTokenForTests_abcdefghij';
/** A draft is a preview of about 30 s unless it is updated (Bot API docs, sendMessageDraft). */
export const DRAFT_LIFETIME_MS = 30_000;

interface Fault {
  method: string;
  error: TgErrorSpec;
  chatId?: number;
  times: number;
}

interface ActivePoll {
  res: ServerResponse;
  conflict: AbortController;
}

interface PollingFault {
  error: TgErrorSpec;
  /** Date.now() after which the fault is over. */
  until: number;
  times: number;
}

/** What Telegram answers a getUpdates that a newer one terminated (tdlib/telegram-bot-api `Client::abort_long_poll`). */
export const POLL_CONFLICT: TgErrorSpec = {
  error_code: 409,
  description:
    'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
};

/** What Telegram answers any call made with a wrong or revoked token. */
export const UNAUTHORIZED: TgErrorSpec = { error_code: 401, description: 'Unauthorized' };

/** What a `waitFor` predicate's value is once it counts as satisfied. */
export type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

const nowSec = (): number => Math.floor(Date.now() / 1000);

/** A user's caption with the entities Telegram adds to it (mentions, a leading command). */
function captionWithEntities(caption: string): Partial<Message> {
  const entities = userTextEntities(caption);
  return { caption, ...(entities.length > 0 ? { caption_entities: entities } : {}) };
}

/**
 * Strict loopback fake of the Telegram Bot API for tests that drive the real grammY `Bot`:
 * `new Bot(fake.token, { client: { apiRoot: fake.apiRoot }, botInfo: fake.botInfo })`.
 *
 * Serves `/bot<token>/<method>` (JSON, urlencoded and multipart bodies) and `/file/bot<token>/<path>`.
 * Every request is logged in `calls`; protocol misuse (unknown method, missing or malformed parameters,
 * unknown chat, wrong token, concurrent getUpdates) is also pushed to `unexpected`, which tests should
 * assert stays empty.
 */
export class FakeTelegram {
  readonly apiRoot: string;
  readonly token: string;
  /** What getMe returns; pass it as `botInfo` to `new Bot()` to skip the getMe call. */
  readonly botInfo: UserFromGetMe;
  /** Every request to `/bot<token>/<method>`, in arrival order. */
  readonly calls: RecordedCall[] = [];
  /** Protocol misuse: unknown methods, missing/invalid parameters, unknown chats, ... */
  readonly unexpected: string[] = [];
  /** Every error answer given (including injected ones). */
  readonly errors: RecordedError[] = [];
  /** File paths downloaded through `/file/bot<token>/<path>`. */
  readonly downloads: string[] = [];

  private readonly core: Core;
  private faults: Fault[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly polls = new Set<ActivePoll>();
  private readonly closing = new AbortController();
  private pollingFault: PollingFault | undefined;
  private nextConflictAt = 0;
  /** Telegram's least time between two 409 conflict answers (3 s); tests that ping-pong two pollers shorten it. */
  conflictPacingMs = 3000;

  private constructor(
    private readonly server: Server,
    port: number,
    token: string,
    botInfo: UserFromGetMe,
    opts: FakeTelegramOptions,
  ) {
    this.apiRoot = `http://127.0.0.1:${port}`;
    this.token = token;
    this.botInfo = botInfo;
    this.core = new Core(botInfo, {
      draftsSupported: opts.draftsSupported ?? true,
      enforceRateLimits: opts.enforceRateLimits ?? false,
      groupRateLimit: opts.groupRateLimit ?? { max: 20, windowMs: 60_000 },
      botRateLimit: opts.botRateLimit ?? { max: 30, windowMs: 1000 },
      lenientHtmlEntities: opts.lenientHtmlEntities ?? false,
      validatePhotoBytes: opts.validatePhotoBytes ?? true,
      draftLifetimeMs: opts.draftLifetimeMs ?? DRAFT_LIFETIME_MS,
    });
    this.core.draftBoard.onChange = () => this.notify();
    this.now = opts.now ?? Date.now;
  }

  /** The clock of rate accounting and `RecordedCall.at` (`FakeTelegramOptions.now`). */
  private readonly now: () => number;

  static async start(opts: FakeTelegramOptions = {}): Promise<FakeTelegram> {
    const token = opts.token ?? DEFAULT_TOKEN;
    const botId = Number(token.split(':')[0]);
    const botInfo: UserFromGetMe = {
      id: Number.isSafeInteger(botId) && botId > 0 ? botId : 7_000_000_001,
      is_bot: true,
      first_name: opts.botName ?? 'Fake Bot',
      username: opts.botUsername ?? 'fake_test_bot',
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
    };
    let fake: FakeTelegram | undefined;
    const server = createServer((req, res) => {
      fake?.handle(req, res).catch((err: unknown) => {
        fake?.unexpected.push(`internal error: ${String(err)}`);
        sendJson(res, 500, { ok: false, error_code: 500, description: 'Internal Server Error' });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => resolve());
    });
    fake = new FakeTelegram(server, (server.address() as AddressInfo).port, token, botInfo, opts);
    return fake;
  }

  /** Stop the server; held getUpdates requests are answered with [] first. */
  async close(): Promise<void> {
    this.closing.abort();
    this.core.draftBoard.close();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------- settings and counters

  /** false: sendMessageDraft answers 404 like an older Bot API server (not recorded as unexpected). */
  get draftsSupported(): boolean {
    return this.core.options.draftsSupported;
  }
  set draftsSupported(value: boolean) {
    this.core.options.draftsSupported = value;
  }

  /** true: group sends/edits over the limit are answered with 429 (they are always recorded). */
  get enforceRateLimits(): boolean {
    return this.core.options.enforceRateLimits;
  }
  set enforceRateLimits(value: boolean) {
    this.core.options.enforceRateLimits = value;
  }

  /** How many edits were refused with "message is not modified". */
  get notModifiedCount(): number {
    return this.core.notModifiedCount;
  }

  /** answerCallbackQuery calls that succeeded. */
  get callbackAnswers(): readonly CallbackAnswer[] {
    return this.core.callbackAnswers;
  }

  /** The webhook set with setWebhook, if any (updates are not delivered to it). */
  get webhook(): { url: string; secret_token?: string } | undefined {
    return this.core.webhook;
  }

  /** The bot as a `User` (what `from` of its messages is). */
  get botUser(): User {
    return this.core.botUser;
  }

  // ---------------------------------------------------------------- builders

  user(id: number, name: string, languageCode?: string): User {
    return tgUser(id, name, languageCode);
  }

  /** A private chat with `user`, registered with the fake. */
  privateChat(id: number, user: User): Chat.PrivateChat {
    const chat = privateChat(id, user);
    this.core.addChat(chat);
    return chat;
  }

  /** A supergroup (negative id), registered with the fake. */
  groupChat(id: number, title: string): Chat.SupergroupChat {
    const chat = groupChat(id, title);
    this.core.addChat(chat);
    return chat;
  }

  /** A forum supergroup (topics on), registered with the fake; add topics with `createTopic`. */
  forumChat(id: number, title: string): Chat.SupergroupChat {
    const chat: Chat.SupergroupChat = { ...groupChat(id, title), is_forum: true };
    const state = this.core.addChat(chat);
    // Thread 1 is "General", which is no topic a message can name (sends with it are refused).
    state.nextMessageId = Math.max(state.nextMessageId, 2);
    return chat;
  }

  /**
   * A member opens a topic in a forum: its `message_thread_id` is the id of the service message
   * that opened it (stored, not pushed as an update). Returns that id.
   */
  createTopic(chat: Chat.SupergroupChat, from: User, name: string): number {
    if (!chat.is_forum) throw new Error('createTopic: not a forum');
    const state = this.core.addChat(chat);
    const id = this.core.nextMessageId(state);
    const message = {
      message_id: id,
      message_thread_id: id,
      from,
      chat,
      date: nowSec(),
      forum_topic_created: { name, icon_color: 0x6fb9f0 },
      is_topic_message: true,
    } as Message;
    state.topics.set(id, name);
    state.messages.set(id, {
      chatId: chat.id,
      message,
      kind: 'text',
      fromBot: false,
      text: '',
      edits: 0,
      history: [''],
      deleted: false,
    });
    return id;
  }

  /** What getChatMember answers for `user` in `chat` (default: member once they wrote, else left). */
  setMemberStatus(chat: Chat, user: User, status: MemberStatus): void {
    this.core.addChat(chat).members.set(user.id, status);
  }

  /** Make a chat known without sending anything (sending to unknown chats is "chat not found"). */
  addChat(chat: Chat): void {
    this.core.addChat(chat);
  }

  // ---------------------------------------------------------------- scripting

  /** Queue an update for getUpdates; update_id is assigned (increasing) unless given. */
  pushUpdate(update: UpdateInput): Update {
    const pushed = this.core.pushUpdate(update);
    this.notify();
    return pushed;
  }

  private userMessage(chat: Chat, from: User, fields: Record<string, unknown>): Message {
    const state = this.core.addChat(chat);
    return {
      message_id: this.core.nextMessageId(state),
      from,
      chat,
      date: nowSec(),
      ...fields,
    } as Message;
  }

  private pushMessage(message: Message): Message {
    this.pushUpdate({ message } as UpdateInput);
    return message;
  }

  /**
   * A user's text message, with the entities Telegram adds: a leading '/command' gets a bot_command
   * entity, each '@username' a mention.
   */
  sendText(chat: Chat, from: User, text: string, extra: Partial<Message> = {}): Message {
    const entities = userTextEntities(text);
    return this.pushMessage(
      this.userMessage(chat, from, {
        text,
        ...(entities.length > 0 ? { entities } : {}),
        ...extra,
      }),
    );
  }

  /**
   * A message from an anonymous group admin: `from` is Telegram's GroupAnonymousBot and
   * `sender_chat` the group itself (or pass another `senderChat`: a member posting as a channel).
   */
  sendAsChat(
    chat: Chat,
    text: string,
    opts: { senderChat?: Chat } = {},
    extra: Partial<Message> = {},
  ): Message {
    const entities = userTextEntities(text);
    return this.pushMessage(
      this.userMessage(chat, GROUP_ANONYMOUS_BOT, {
        sender_chat: opts.senderChat ?? chat,
        text,
        ...(entities.length > 0 ? { entities } : {}),
        ...extra,
      }),
    );
  }

  /**
   * An album: one photo message per image, all with one `media_group_id`, pushed as separate
   * updates like Telegram does; the caption (with its entities) goes on the first.
   */
  sendAlbum(
    chat: Chat,
    from: User,
    photos: readonly Buffer[],
    opts: { caption?: string } = {},
    extra: Partial<Message> = {},
  ): Message[] {
    if (photos.length < 2 || photos.length > 10) throw new Error('sendAlbum: an album holds 2-10 items');
    const media_group_id = this.core.nextMediaGroupId();
    return photos.map((bytes, i) =>
      this.sendPhoto(
        chat,
        from,
        { bytes, ...(i === 0 && opts.caption !== undefined ? { caption: opts.caption } : {}) },
        { media_group_id, ...extra },
      ),
    );
  }

  /** `extra` for sendText & co. putting the message in forum topic `thread` (see `createTopic`). */
  inTopic(chat: Chat, thread: number): Partial<Message> {
    const opening = this.core.chats.get(chat.id)?.messages.get(thread);
    if (!opening || !this.core.chats.get(chat.id)?.topics.has(thread))
      throw new Error(`inTopic: chat ${chat.id} has no topic ${thread}`);
    // In a forum, a message that replies to nothing still points at its topic's opening message.
    const { reply_to_message: _nested, ...root } = opening.message;
    return { message_thread_id: thread, is_topic_message: true, reply_to_message: root } as Partial<Message>;
  }

  /** A user's photo; the bytes are registered so getFile + download work. */
  sendPhoto(
    chat: Chat,
    from: User,
    opts: UserMediaOptions & { width?: number; height?: number },
    extra: Partial<Message> = {},
  ): Message {
    const file = this.core.registerFile(opts.bytes, {
      kind: 'photo',
      ...(opts.fileId !== undefined ? { fileId: opts.fileId } : {}),
      ...(opts.size !== undefined ? { size: opts.size } : {}),
    });
    const measured = imageSize(opts.bytes);
    const width = opts.width ?? measured.width;
    const height = opts.height ?? measured.height;
    const scale = Math.min(1, 90 / Math.max(width, height, 1));
    const thumb = this.core.registerFile(opts.bytes, { kind: 'photo', fileId: `${file.file_id}_thumb` });
    return this.pushMessage(
      this.userMessage(chat, from, {
        photo: [
          {
            file_id: thumb.file_id,
            file_unique_id: thumb.file_unique_id,
            file_size: thumb.size,
            width: Math.max(1, Math.round(width * scale)),
            height: Math.max(1, Math.round(height * scale)),
          },
          { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.size, width, height },
        ],
        ...(opts.caption !== undefined ? captionWithEntities(opts.caption) : {}),
        ...extra,
      }),
    );
  }

  /** A user's voice note (OGG/Opus by default). */
  sendVoice(
    chat: Chat,
    from: User,
    opts: { fileId?: string; bytes: Buffer; duration?: number; mime?: string; size?: number },
    extra: Partial<Message> = {},
  ): Message {
    const mime = opts.mime ?? 'audio/ogg';
    const file = this.core.registerFile(opts.bytes, {
      kind: 'voice',
      mime,
      ...(opts.fileId !== undefined ? { fileId: opts.fileId } : {}),
      ...(opts.size !== undefined ? { size: opts.size } : {}),
    });
    return this.pushMessage(
      this.userMessage(chat, from, {
        voice: {
          file_id: file.file_id,
          file_unique_id: file.file_unique_id,
          duration: opts.duration ?? 1,
          mime_type: mime,
          file_size: file.size,
        },
        ...extra,
      }),
    );
  }

  /** A user's document. */
  sendDocument(
    chat: Chat,
    from: User,
    opts: UserMediaOptions & { fileName?: string; mime?: string },
    extra: Partial<Message> = {},
  ): Message {
    const file = this.core.registerFile(opts.bytes, {
      kind: 'document',
      ...(opts.fileId !== undefined ? { fileId: opts.fileId } : {}),
      ...(opts.size !== undefined ? { size: opts.size } : {}),
      ...(opts.fileName !== undefined ? { filename: opts.fileName } : {}),
      ...(opts.mime !== undefined ? { mime: opts.mime } : {}),
    });
    return this.pushMessage(
      this.userMessage(chat, from, {
        document: {
          file_id: file.file_id,
          file_unique_id: file.file_unique_id,
          file_size: file.size,
          ...(file.filename !== undefined ? { file_name: file.filename } : {}),
          ...(file.mime !== undefined ? { mime_type: file.mime } : {}),
        },
        ...(opts.caption !== undefined ? captionWithEntities(opts.caption) : {}),
        ...extra,
      }),
    );
  }

  /** `extra` for sendText & co. making the new message a reply: `fake.sendText(c, u, 'hi', fake.replyTo(m))`. */
  replyTo(message: Message | LoggedMessage): Partial<Message> {
    const target = 'from_bot' in message ? message.message : message;
    const { reply_to_message: _nested, ...rest } = target;
    return { reply_to_message: rest } as Partial<Message>;
  }

  /**
   * A user presses an inline button of message `messageId`: pushes a callback_query and returns its id.
   * Throws when the message has no button with that callback_data (unless `force`).
   */
  pressButton(
    chat: Chat,
    from: User,
    messageId: number,
    data: string,
    opts: { force?: boolean } = {},
  ): string {
    const sm = this.core.chats.get(chat.id)?.messages.get(messageId);
    if (!sm || sm.deleted) throw new Error(`pressButton: chat ${chat.id} shows no message ${messageId}`);
    const buttons = (sm.replyMarkup?.inline_keyboard ?? []).flat();
    if (!opts.force && !buttons.some((b) => 'callback_data' in b && b.callback_data === data)) {
      const have = buttons.map((b) => ('callback_data' in b ? b.callback_data : `(${b.text})`)).join(', ');
      throw new Error(
        `pressButton: message ${messageId} has no button with callback_data "${data}" [${have}]`,
      );
    }
    const id = this.core.nextCallbackId();
    this.core.openCallbacks.add(id);
    this.pushUpdate({
      callback_query: { id, from, message: sm.message, chat_instance: String(-chat.id * 31), data },
    } as UpdateInput);
    return id;
  }

  /**
   * The user pressed "stop" on a draft (Bot API 9.x `stopped_message_generation`). Throws, like
   * `pressButton`, when the chat shows no such draft (never sent, expired, or ended by a message)
   * or its last update had no `can_stop` (no stop button to press). The draft disappears unless it
   * was sent with `keep_on_stop`.
   */
  stopGeneration(chat: Chat.PrivateChat, draftId: number): Update {
    const live = this.core.draftBoard.live(chat.id, draftId);
    if (!live) throw new Error(`stopGeneration: chat ${chat.id} shows no draft ${draftId}`);
    if (!live.canStop)
      throw new Error(`stopGeneration: draft ${draftId} was sent without can_stop: it has no stop button`);
    if (!live.keepOnStop) this.core.draftBoard.end(chat.id, draftId, 'stopped');
    return this.pushUpdate({ stopped_message_generation: { chat, draft_id: draftId } } as UpdateInput);
  }

  /**
   * The user (or a group admin) deletes a message, the bot's answer say, as Telegram does it: the
   * bot gets no update at all, and later edits of it fail with 400 "Bad Request: message to edit not
   * found" (deletes with "message to delete not found").
   */
  deleteAsUser(chatId: number, messageId: number): void {
    const sm = this.core.chats.get(chatId)?.messages.get(messageId);
    if (!sm || sm.deleted) throw new Error(`deleteAsUser: chat ${chatId} shows no message ${messageId}`);
    sm.deleted = true;
  }

  /** Make bytes available to getFile and the download route; returns the file_id. */
  registerFile(bytes: Buffer, opts: RegisterFileOptions = {}): string {
    return this.core.registerFile(bytes, opts).file_id;
  }

  /**
   * Answer the next `times` (default 1) calls of `method` (optionally only for `chatId`) with this error,
   * e.g. `{ error_code: 429, description: 'Too Many Requests: retry after 1', retry_after: 1 }`.
   */
  failNext(method: string, error: TgErrorSpec, opts: { chatId?: number; times?: number } = {}): void {
    this.faults.push({
      method: method.toLowerCase(),
      error,
      times: opts.times ?? 1,
      ...(opts.chatId !== undefined ? { chatId: opts.chatId } : {}),
    });
  }

  // ---------------------------------------------------------------- inspection

  /** The messages the chat currently shows (deleted ones excluded), by message_id; bot messages only by default. */
  chatLog(chatId: number, opts: { includeUser?: boolean } = {}): LoggedMessage[] {
    const state = this.core.chats.get(chatId);
    if (!state) return [];
    return [...state.messages.values()]
      .filter((sm) => !sm.deleted && (sm.fromBot || opts.includeUser))
      .sort((a, b) => a.message.message_id - b.message.message_id)
      .map((sm) => this.core.logged(sm));
  }

  /** One message (bot or user) if the chat still shows it. */
  message(chatId: number, messageId: number): LoggedMessage | undefined {
    const sm = this.core.chats.get(chatId)?.messages.get(messageId);
    return sm && !sm.deleted ? this.core.logged(sm) : undefined;
  }

  /** Ids of messages deleted in the chat. */
  deleted(chatId: number): number[] {
    const state = this.core.chats.get(chatId);
    return state
      ? [...state.messages.values()].filter((m) => m.deleted).map((m) => m.message.message_id)
      : [];
  }

  /** Every draft text sent to the chat (visible text), in order. */
  drafts(chatId: number): string[] {
    return this.draftRecords(chatId).map((d) => d.text);
  }

  draftRecords(chatId: number): DraftRecord[] {
    return [...(this.core.chats.get(chatId)?.drafts ?? [])];
  }

  /** The drafts the chat shows now (updated within the draft lifetime, not ended by a message). */
  liveDrafts(chatId: number): LiveDraft[] {
    return this.core.draftBoard.liveIn(chatId);
  }

  /** Drafts of the chat that stopped showing: expired, ended by a bot message, or stopped. */
  endedDrafts(chatId: number): DraftEnd[] {
    return this.core.draftBoard.ended.filter((d) => d.chat_id === chatId);
  }

  /** Drafts of the chat that expired: no update within the draft lifetime (the user saw them vanish). */
  expiredDrafts(chatId: number): DraftEnd[] {
    return this.endedDrafts(chatId).filter((d) => d.reason === 'expired');
  }

  /** Every text (or caption) the message had, in order: the original, then one entry per text/caption edit. */
  edits(chatId: number, messageId: number): string[] {
    return [...(this.core.chats.get(chatId)?.messages.get(messageId)?.history ?? [])];
  }

  /** sendChatAction actions for the chat, in order. */
  actions(chatId: number): string[] {
    return [...(this.core.chats.get(chatId)?.actions ?? [])];
  }

  /** Commands set with setMyCommands for a scope (default scope) and language ('' = all languages). */
  commands(opts: { scope?: Record<string, unknown>; languageCode?: string } = {}): BotCommand[] {
    return [...(this.core.commands.get(commandsKey(opts.scope, opts.languageCode || undefined)) ?? [])];
  }

  /** Sends/edits beyond the group limit (20 per 60 s per negative chat id by default). */
  rateViolations(): RateViolation[] {
    return [...this.core.violations];
  }

  /**
   * Sends, edits and drafts beyond the bot-wide limit across all chats (30 per 1000 ms by default),
   * each with `scope: 'bot'`. Kept apart from `rateViolations` (the group limit).
   */
  botRateViolations(): RateViolation[] {
    return [...this.core.botViolations];
  }

  /** The bot-wide limit (`FakeTelegramOptions.botRateLimit`); `false` turns it off. */
  get botRateLimit(): { max: number; windowMs: number } | false {
    return this.core.options.botRateLimit;
  }
  set botRateLimit(value: { max: number; windowMs: number } | false) {
    this.core.options.botRateLimit = value;
  }

  /** Updates not yet confirmed by a getUpdates offset. */
  pendingUpdates(): Update[] {
    return [...this.core.pending];
  }

  callsTo(method: string): RecordedCall[] {
    const m = method.toLowerCase();
    return this.calls.filter((c) => c.method.toLowerCase() === m);
  }

  /**
   * Resolve with the predicate's first truthy value. It is evaluated now and after every request (and
   * every pushed update); a throwing predicate counts as "not yet". Rejects after `timeoutMs`.
   */
  waitFor<T>(predicate: (fake: FakeTelegram) => T, timeoutMs = 3000): Promise<Truthy<T>> {
    return new Promise((resolve, reject) => {
      let lastError: unknown;
      const check = (): boolean => {
        try {
          const value = predicate(this);
          if (value) {
            finish();
            resolve(value as Truthy<T>);
            return true;
          }
        } catch (err) {
          lastError = err;
        }
        return false;
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      const timer = setTimeout(() => {
        finish();
        const recent = this.calls
          .slice(-8)
          .map((c) => `${c.method}${c.response && !c.response.ok ? `(${c.response.error_code})` : ''}`)
          .join(', ');
        const cause = lastError instanceof Error ? `; predicate threw: ${lastError.message}` : '';
        reject(
          new Error(`FakeTelegram.waitFor timed out after ${timeoutMs} ms${cause}; last calls: ${recent}`),
        );
      }, timeoutMs);
      if (!check()) this.listeners.add(check);
    });
  }

  /** Wait for a completed call of `method` (matching `predicate`) and return it. */
  waitForCall(
    method: string,
    predicate: (call: RecordedCall) => boolean = () => true,
    timeoutMs = 3000,
  ): Promise<RecordedCall> {
    return this.waitFor(
      () => this.callsTo(method).find((c) => c.response !== undefined && predicate(c)),
      timeoutMs,
    );
  }

  /** Wait until every pushed update was confirmed by a later getUpdates (grammY handled them). */
  waitIdle(timeoutMs = 3000): Promise<true> {
    return this.waitFor(() => this.core.pending.length === 0, timeoutMs);
  }

  private notify(): void {
    for (const check of [...this.listeners]) check();
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/file/')) {
      this.download(url, res);
      this.notify();
      return;
    }
    const match = /^\/bot([^/]*)\/([^/]+)$/.exec(url.pathname);
    if (!match) {
      this.unexpected.push(`${req.method ?? 'GET'} ${url.pathname}: 404 Not Found`);
      sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      return;
    }
    const body = await readBody(req);
    const parsed = parseRequestBody(req.headers['content-type'], body, url.searchParams);
    const call: RecordedCall = {
      method: decodeURIComponent(match[2]!),
      params: parsed.fields,
      files: parsed.files,
      at: this.now(),
    };
    this.calls.push(call);
    this.notify();
    const disconnected = new AbortController();
    res.on('close', () => disconnected.abort());
    try {
      const result = await this.dispatch(
        call,
        decodeURIComponent(match[1]!),
        parsed,
        res,
        disconnected.signal,
      );
      call.response = { ok: true, result };
      sendJson(res, 200, { ok: true, result });
    } catch (err) {
      if (!(err instanceof TgError)) throw err;
      this.replyError(res, call, err);
    } finally {
      this.notify();
    }
  }

  private async dispatch(
    call: RecordedCall,
    token: string,
    parsed: ReturnType<typeof parseRequestBody>,
    res: ServerResponse,
    disconnected: AbortSignal,
  ): Promise<unknown> {
    if (token !== this.token) throw new TgError(401, 'Unauthorized', { unexpected: true });
    const entry = METHODS.get(call.method.toLowerCase());
    if (!entry) throw new TgError(404, 'Not Found: method not found', { unexpected: true });
    call.method = entry.name;
    if (entry.name === 'sendMessageDraft' && !this.core.options.draftsSupported) {
      throw new TgError(404, 'Not Found: method not found');
    }
    if (parsed.error) throw badRequest(parsed.error, true);
    const params = coerceParams(parsed.fields);
    call.params = params;
    if (typeof params.chat_id === 'number') call.chatId = params.chat_id;

    const fault = this.takeFault(entry.name, call.chatId);
    if (fault) {
      throw new TgError(fault.error_code, fault.description, {
        injected: true,
        ...(fault.retry_after !== undefined ? { retry_after: fault.retry_after } : {}),
        ...(fault.migrate_to_chat_id !== undefined ? { migrate_to_chat_id: fault.migrate_to_chat_id } : {}),
      });
    }

    const rated = isRated(entry.name) && call.chatId !== undefined;
    if (rated) this.checkRate(entry.name, call.chatId!, call.at);

    if (entry.name !== 'getUpdates') {
      // Counted bot-wide on arrival (so calls handled side by side see each other), and taken back
      // when the call is refused: only calls that succeeded count, as for the group limit.
      if (rated && this.core.options.botRateLimit) this.core.botSendTimes.push(call.at);
      let result: unknown;
      try {
        result = await entry.handler({
          core: this.core,
          p: new Params(params, parsed.files),
          signal: AbortSignal.any([disconnected, this.closing.signal]),
        });
      } catch (err) {
        if (rated) {
          const i = this.core.botSendTimes.lastIndexOf(call.at);
          if (i >= 0) this.core.botSendTimes.splice(i, 1);
        }
        throw err;
      }
      if (rated) this.core.chats.get(call.chatId!)?.sendTimes.push(call.at);
      return result;
    }
    return this.poll(entry.handler, params, parsed, res, disconnected);
  }

  /**
   * getUpdates, with Telegram's "terminated by other getUpdates request" for overlapping polls: as
   * in tdlib/telegram-bot-api (`Client::abort_long_poll`), the poll already held is the one answered
   * 409, and the newer one takes its place; a second instance and the first keep knocking each
   * other out. `failPolling()` faults come first.
   */
  private async poll(
    handler: Handler,
    params: Record<string, unknown>,
    parsed: ReturnType<typeof parseRequestBody>,
    res: ServerResponse,
    disconnected: AbortSignal,
  ): Promise<unknown> {
    const fault = this.takePollingFault();
    if (fault) {
      if (fault.error_code === 409) await this.paceConflict(disconnected);
      throw new TgError(fault.error_code, fault.description, {
        injected: true,
        ...(fault.retry_after !== undefined ? { retry_after: fault.retry_after } : {}),
      });
    }
    if (this.polls.size > 0) {
      // Give an aborted poll's socket close (bot.stop()) a moment to arrive before calling it a conflict.
      await new Promise((resolve) => setTimeout(resolve, 25));
      for (const other of this.polls) if (!other.res.destroyed) other.conflict.abort();
    }
    const self: ActivePoll = { res, conflict: new AbortController() };
    this.polls.add(self);
    try {
      const pending = handler({
        core: this.core,
        p: new Params(params, parsed.files),
        signal: AbortSignal.any([disconnected, this.closing.signal, self.conflict.signal]),
      });
      // The offset was applied synchronously: let waitIdle() & co. see the confirmation before the hold ends.
      this.notify();
      const result = await pending;
      if (self.conflict.signal.aborted) {
        this.polls.delete(self);
        await this.paceConflict(disconnected);
        throw new TgError(POLL_CONFLICT.error_code, POLL_CONFLICT.description, { unexpected: true });
      }
      return result;
    } finally {
      this.polls.delete(self);
    }
  }

  /**
   * Telegram answers at most one 409 conflict per `conflictPacingMs`; a conflict due sooner is held
   * that long before it is answered (`Client::fail_query_conflict`). So a bot that retries a 409 at
   * once still sees a 409 only every few seconds.
   */
  private async paceConflict(disconnected: AbortSignal): Promise<void> {
    const now = Date.now();
    if (now >= this.nextConflictAt) {
      this.nextConflictAt = now + this.conflictPacingMs;
      return;
    }
    const signal = AbortSignal.any([disconnected, this.closing.signal]);
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, this.conflictPacingMs);
      signal.addEventListener('abort', done);
      if (signal.aborted) done();
    });
  }

  /**
   * Answer every getUpdates with `error` for `forMs` milliseconds, or for the next `times` polls, or
   * (neither given) until the returned function is called: a token revoked while the bot runs
   * (`UNAUTHORIZED`), another instance polling for a while (`POLL_CONFLICT`). Injected errors are
   * not counted as unexpected.
   */
  failPolling(error: TgErrorSpec, opts: { forMs?: number; times?: number } = {}): () => void {
    const fault: PollingFault = {
      error,
      until: opts.forMs !== undefined ? Date.now() + opts.forMs : Number.POSITIVE_INFINITY,
      times: opts.times ?? Number.POSITIVE_INFINITY,
    };
    this.pollingFault = fault;
    return () => {
      if (this.pollingFault === fault) this.pollingFault = undefined;
    };
  }

  private takePollingFault(): TgErrorSpec | undefined {
    const fault = this.pollingFault;
    if (!fault) return undefined;
    if (Date.now() >= fault.until || fault.times <= 0) {
      this.pollingFault = undefined;
      return undefined;
    }
    fault.times--;
    return fault.error;
  }

  private takeFault(method: string, chatId: number | undefined): TgErrorSpec | undefined {
    const m = method.toLowerCase();
    const fault = this.faults.find((f) => f.method === m && (f.chatId === undefined || f.chatId === chatId));
    if (!fault) return undefined;
    fault.times--;
    if (fault.times <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault.error;
  }

  private checkRate(method: string, chatId: number, at: number): void {
    this.checkBotRate(method, chatId, at);
    if (chatId >= 0) return;
    const state = this.core.chats.get(chatId);
    if (!state) return;
    const { max, windowMs } = this.core.options.groupRateLimit;
    const recent = state.sendTimes.filter((t) => t > at - windowMs);
    if (recent.length < max) return;
    this.core.violations.push({ chatId, method, at });
    if (this.core.options.enforceRateLimits) {
      const retryAfter = Math.max(1, Math.ceil((recent[0]! + windowMs - at) / 1000));
      throw new TgError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
    }
  }

  /**
   * Telegram's bot-wide limit (Bots FAQ: "If you're sending bulk notifications to multiple users, the
   * API will not allow more than 30 messages per second or so"): every rated call of every chat that
   * succeeded counts, by arrival time, drafts included (Telegram documents no separate draft limit,
   * so the fake takes the stricter reading).
   */
  private checkBotRate(method: string, chatId: number, at: number): void {
    const limit = this.core.options.botRateLimit;
    if (!limit) return;
    const times = this.core.botSendTimes;
    while (times.length > 0 && times[0]! <= at - limit.windowMs) times.shift();
    const recent = times.filter((t) => t <= at);
    if (recent.length < limit.max) return;
    this.core.botViolations.push({ chatId, method, at, scope: 'bot' });
    if (this.core.options.enforceRateLimits) {
      const oldest = recent[recent.length - limit.max]!;
      const retryAfter = Math.max(1, Math.ceil((oldest + limit.windowMs - at) / 1000));
      throw new TgError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
    }
  }

  private replyError(res: ServerResponse, call: RecordedCall, err: TgError): void {
    const { error_code, description } = err;
    const injected = err.extra.injected === true;
    const { retry_after, migrate_to_chat_id } = err.extra;
    const parameters = {
      ...(retry_after !== undefined ? { retry_after } : {}),
      ...(migrate_to_chat_id !== undefined ? { migrate_to_chat_id } : {}),
    };
    call.response = { ok: false, error_code, description };
    this.errors.push({
      method: call.method,
      error_code,
      description,
      at: Date.now(),
      injected,
      ...(call.chatId !== undefined ? { chatId: call.chatId } : {}),
    });
    if (err.extra.unexpected && !injected)
      this.unexpected.push(`${call.method}: ${error_code} ${description}`);
    const status = error_code >= 400 && error_code <= 599 ? error_code : 400;
    sendJson(res, status, {
      ok: false,
      error_code,
      description,
      ...(Object.keys(parameters).length > 0 ? { parameters } : {}),
    });
  }

  private download(url: URL, res: ServerResponse): void {
    const match = /^\/file\/bot([^/]*)\/(.+)$/.exec(url.pathname);
    if (!match || decodeURIComponent(match[1]!) !== this.token) {
      this.unexpected.push(`download ${url.pathname}: 401 Unauthorized`);
      sendJson(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      return;
    }
    const path = decodeURIComponent(match[2]!);
    const file = this.core.filesByPath.get(path);
    if (!file) {
      this.unexpected.push(`download ${path}: 404 Not Found`);
      sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      return;
    }
    this.downloads.push(path);
    sendBytes(res, file.mime ?? 'application/octet-stream', file.bytes);
  }
}
