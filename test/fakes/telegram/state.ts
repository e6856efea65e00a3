import type {
  BotCommand,
  Chat,
  InlineKeyboardMarkup,
  Message,
  MessageEntity,
  Update,
  User,
  UserFromGetMe,
} from 'grammy/types';
import { extFromMime, mimeFromName } from './builders.js';
import { DraftBoard } from './drafts.js';
import { badRequest } from './params.js';
import type {
  CallbackAnswer,
  DraftRecord,
  LoggedFile,
  LoggedMessage,
  MessageKind,
  RateViolation,
  RegisterFileOptions,
  UpdateInput,
} from './types.js';

export interface StoredFile {
  file_id: string;
  file_unique_id: string;
  bytes: Buffer;
  size: number;
  file_path: string;
  mime?: string;
  filename?: string;
}

export interface StoredMessage {
  chatId: number;
  message: Message;
  kind: MessageKind;
  fromBot: boolean;
  text: string;
  html?: string;
  parseMode?: string;
  entities?: MessageEntity[];
  caption?: string;
  replyMarkup?: InlineKeyboardMarkup;
  /** Sent with ForceReply: the user's client opened a reply to it (with this placeholder). */
  forceReply?: { placeholder?: string };
  file?: LoggedFile;
  replyToMessageId?: number;
  mediaGroupId?: string;
  edits: number;
  history: string[];
  deleted: boolean;
}

export interface ChatState {
  chat: Chat;
  nextMessageId: number;
  messages: Map<number, StoredMessage>;
  drafts: DraftRecord[];
  actions: string[];
  /** Date.now() of every successful send/edit, for rate accounting. */
  sendTimes: number[];
  /** Forum topics (forum supergroups only): message_thread_id → name. */
  topics: Map<number, string>;
  /** Members' statuses set by the test (`setMemberStatus`); others are 'member' once they wrote. */
  members: Map<number, MemberStatus>;
}

/** A ChatMember status, as getChatMember answers it. */
export type MemberStatus = 'creator' | 'administrator' | 'member' | 'restricted' | 'left' | 'kicked';

export interface CoreOptions {
  draftsSupported: boolean;
  enforceRateLimits: boolean;
  groupRateLimit: { max: number; windowMs: number };
  botRateLimit: { max: number; windowMs: number } | false;
  lenientHtmlEntities: boolean;
  validatePhotoBytes: boolean;
  /** How long a draft shows without an update before it expires (Telegram: 30 s). */
  draftLifetimeMs: number;
}

const FILE_PREFIX: Record<MessageKind | 'file', string> = {
  photo: 'AgACAgQAAxkB',
  document: 'BQACAgQAAxkB',
  voice: 'AwACAgQAAxkB',
  audio: 'CQACAgQAAxkB',
  video: 'BAACAgQAAxkB',
  text: 'BQACAgQAAxkB',
  file: 'BQACAgQAAxkB',
};

const FILE_FOLDER: Record<MessageKind | 'file', string> = {
  photo: 'photos',
  document: 'documents',
  voice: 'voice',
  audio: 'music',
  video: 'videos',
  text: 'documents',
  file: 'documents',
};

/** All mutable state of the fake, shared by the HTTP method handlers and the test-facing API. */
export class Core {
  readonly chats = new Map<number, ChatState>();
  readonly files = new Map<string, StoredFile>();
  readonly filesByPath = new Map<string, StoredFile>();
  /** Updates not yet confirmed by a getUpdates offset. */
  pending: Update[] = [];
  lastUpdateId = 10_000;
  allowedUpdates: string[] | undefined;
  webhook: { url: string; secret_token?: string } | undefined;
  readonly commands = new Map<string, BotCommand[]>();
  readonly openCallbacks = new Set<string>();
  readonly callbackAnswers: CallbackAnswer[] = [];
  readonly violations: RateViolation[] = [];
  /** Calls past the bot-wide limit (across chats). */
  readonly botViolations: RateViolation[] = [];
  /** Arrival times of the successful rated calls of every chat, within the bot-wide window, oldest first. */
  readonly botSendTimes: number[] = [];
  notModifiedCount = 0;
  private fileSeq = 0;
  private callbackSeq = 0;
  private mediaGroupSeq = 0;
  private readonly updateListeners = new Set<() => void>();
  /** The drafts chats show now, and every one that ended. */
  readonly draftBoard = new DraftBoard(() => this.options.draftLifetimeMs);

  constructor(
    readonly botInfo: UserFromGetMe,
    readonly options: CoreOptions,
  ) {}

  get botUser(): User {
    const { id, first_name, username } = this.botInfo;
    return { id, is_bot: true, first_name, username };
  }

  addChat(chat: Chat): ChatState {
    const existing = this.chats.get(chat.id);
    if (existing) {
      existing.chat = chat;
      return existing;
    }
    const state: ChatState = {
      chat,
      nextMessageId: 1,
      messages: new Map(),
      drafts: [],
      actions: [],
      sendTimes: [],
      topics: new Map(),
      members: new Map(),
    };
    this.chats.set(chat.id, state);
    return state;
  }

  /** Resolve a chat_id parameter (number or @username); 400 "chat not found" otherwise. */
  resolveChat(chatId: unknown): ChatState {
    if (chatId === undefined || chatId === '') throw badRequest('chat_id is empty', true);
    if (typeof chatId === 'number') {
      const state = this.chats.get(chatId);
      if (state) return state;
    } else if (typeof chatId === 'string' && chatId.startsWith('@')) {
      for (const state of this.chats.values()) {
        if ('username' in state.chat && state.chat.username === chatId.slice(1)) return state;
      }
    }
    throw badRequest('chat not found', true);
  }

  nextMessageId(state: ChatState): number {
    return state.nextMessageId++;
  }

  registerFile(bytes: Buffer, opts: RegisterFileOptions & { kind?: MessageKind | 'file' } = {}): StoredFile {
    const seq = ++this.fileSeq;
    const kind = opts.kind ?? 'file';
    const file_id = opts.fileId ?? `${FILE_PREFIX[kind]}${String(seq).padStart(6, '0')}fake`;
    const mime = opts.mime ?? mimeFromName(opts.filename);
    const ext = opts.filename?.split('.').pop() ?? extFromMime(mime) ?? (kind === 'photo' ? 'jpg' : 'dat');
    const file: StoredFile = {
      file_id,
      file_unique_id: `AQAD${String(seq).padStart(6, '0')}`,
      bytes,
      size: opts.size ?? bytes.length,
      file_path: opts.filePath ?? `${FILE_FOLDER[kind]}/file_${seq}.${ext}`,
      ...(mime !== undefined ? { mime } : {}),
      ...(opts.filename !== undefined ? { filename: opts.filename } : {}),
    };
    this.files.set(file.file_id, file);
    this.filesByPath.set(file.file_path, file);
    return file;
  }

  nextMediaGroupId(): string {
    return String(13_000_000_000 + ++this.mediaGroupSeq);
  }

  nextCallbackId(): string {
    return `${4_382_000_000_000 + ++this.callbackSeq}`;
  }

  /** Queue an update (assigning update_id) and record any user message it carries. */
  pushUpdate(input: UpdateInput): Update {
    const update_id = input.update_id ?? this.lastUpdateId + 1;
    if (update_id <= this.lastUpdateId) {
      throw new Error(`update_id ${update_id} must be greater than the last one (${this.lastUpdateId})`);
    }
    this.lastUpdateId = update_id;
    const update = { ...input, update_id } as Update;
    const message = update.message ?? update.edited_message;
    if (message) this.recordUserMessage(message, update.edited_message !== undefined);
    const cbMessage = update.callback_query?.message;
    if (cbMessage && 'chat' in cbMessage && !this.chats.has(cbMessage.chat.id)) this.addChat(cbMessage.chat);
    this.pending.push(update);
    for (const listener of [...this.updateListeners]) listener();
    return update;
  }

  private recordUserMessage(message: Message, edited: boolean): void {
    const state = this.addChat(message.chat);
    if (message.message_id >= state.nextMessageId) state.nextMessageId = message.message_id + 1;
    const kind: MessageKind = message.photo
      ? 'photo'
      : message.voice
        ? 'voice'
        : message.audio
          ? 'audio'
          : message.video
            ? 'video'
            : message.document
              ? 'document'
              : 'text';
    const text = message.text ?? message.caption ?? '';
    const previous = state.messages.get(message.message_id);
    if (edited && previous) {
      previous.message = message;
      previous.text = text;
      previous.edits++;
      previous.history.push(text);
      return;
    }
    state.messages.set(message.message_id, {
      chatId: message.chat.id,
      message,
      kind,
      fromBot: false,
      text,
      ...(message.entities ? { entities: message.entities } : {}),
      ...(message.caption !== undefined ? { caption: message.caption } : {}),
      ...(message.reply_to_message ? { replyToMessageId: message.reply_to_message.message_id } : {}),
      edits: 0,
      history: [text],
      deleted: false,
    });
  }

  /** Resolves when an update is pushed, after `ms`, or when `signal` aborts. */
  waitForUpdate(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.updateListeners.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.updateListeners.add(done);
      signal.addEventListener('abort', done);
      if (signal.aborted) done();
    });
  }

  /** Updates a poll may return, honouring allowed_updates (default: all but chat_member and reactions). */
  deliverable(): Update[] {
    const allowed = this.allowedUpdates;
    return this.pending.filter((u) => {
      const type = Object.keys(u).find((k) => k !== 'update_id') ?? '';
      if (allowed && allowed.length > 0) return allowed.includes(type);
      return type !== 'chat_member' && type !== 'message_reaction' && type !== 'message_reaction_count';
    });
  }

  /** Confirm updates below `offset` (negative: keep only the last -offset ones), like getUpdates. */
  confirm(offset: number): void {
    if (offset > 0) this.pending = this.pending.filter((u) => u.update_id >= offset);
    else if (offset < 0) this.pending = this.pending.slice(offset);
  }

  logged(sm: StoredMessage): LoggedMessage {
    return {
      chat_id: sm.chatId,
      message_id: sm.message.message_id,
      kind: sm.kind,
      text: sm.text,
      ...(sm.html !== undefined ? { html: sm.html } : {}),
      ...(sm.parseMode !== undefined ? { parse_mode: sm.parseMode } : {}),
      ...(sm.entities !== undefined ? { entities: sm.entities } : {}),
      ...(sm.caption !== undefined ? { caption: sm.caption } : {}),
      ...(sm.replyMarkup !== undefined ? { reply_markup: sm.replyMarkup } : {}),
      ...(sm.forceReply !== undefined ? { force_reply: sm.forceReply } : {}),
      ...(sm.file !== undefined ? { file: sm.file } : {}),
      ...(sm.replyToMessageId !== undefined ? { reply_to_message_id: sm.replyToMessageId } : {}),
      ...(sm.mediaGroupId !== undefined ? { media_group_id: sm.mediaGroupId } : {}),
      edits: sm.edits,
      from_bot: sm.fromBot,
      message: sm.message,
    };
  }
}

/** Canonical key for a BotCommandScope + language pair. */
export function commandsKey(scope: unknown, languageCode: string | undefined): string {
  const s = (scope ?? { type: 'default' }) as Record<string, unknown>;
  return JSON.stringify([s.type ?? 'default', s.chat_id ?? null, s.user_id ?? null, languageCode ?? '']);
}
