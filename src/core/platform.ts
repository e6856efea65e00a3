import type { Lang } from './i18n.js';

/** Who sent an event. `id` is unique within the platform. */
export interface UserRef {
  id: string;
  name: string;
  /** The platform's locale for this user, e.g. `zh-CN`; the router turns it into a Lang. */
  locale?: string | undefined;
}

/** Where an event happened. `kind` decides pacing budgets and whether the bot must be addressed. */
export interface ChatRef {
  platform: string;
  id: string;
  kind: 'private' | 'group';
}

/** A sent message, serialisable, so a task can find its status message again after a restart. */
export interface MessageRef {
  chatId: string;
  messageId: string;
  /** Platform-specific routing data (a Discord interaction token and its expiry, a thread id). */
  extra?: Record<string, string> | undefined;
}

/** A button as the platform shows it. `data` is a short opaque id (Telegram allows 64 bytes). */
export interface PlatformButton {
  label: string;
  data: string;
}

export type MediaKind = 'image' | 'audio' | 'video' | 'file';

/** A file to send. Either bytes or a URL the platform can fetch. */
export interface OutgoingFile {
  kind: MediaKind;
  name: string;
  mime?: string | undefined;
  data?: Uint8Array | undefined;
  url?: string | undefined;
  /** For audio: shown by players that support it. */
  title?: string | undefined;
  performer?: string | undefined;
  durationSeconds?: number | undefined;
  thumbnailUrl?: string | undefined;
}

/** One message as the platform must render it. `text` is markdown, already split to fit. */
export interface OutgoingMessage {
  text: string;
  buttons?: PlatformButton[][] | undefined;
  files?: OutgoingFile[] | undefined;
  /** The id of the message this one answers, when the platform threads replies. */
  replyTo?: string | undefined;
}

/** A file someone sent the bot; its bytes are fetched only when a command needs them. */
export interface IncomingFile {
  kind: MediaKind;
  name: string;
  mime?: string | undefined;
  /** Declared size in bytes, when the platform tells it before download. */
  size?: number | undefined;
  fetch(maxBytes: number): Promise<Uint8Array>;
}

/**
 * Where the replies to one event go, made by the adapter. Tasks keep the MessageRefs it returns
 * and reopen them with `PlatformAdapter.channel()` after a restart.
 */
export interface ReplyChannel {
  send(message: OutgoingMessage): Promise<MessageRef>;
  edit(ref: MessageRef, message: OutgoingMessage): Promise<void>;
  /** Native draft streaming (Telegram private chats); absent where the platform has none. */
  draft?(draftId: number, text: string): Promise<boolean>;
  /** "typing…" or similar, best effort. */
  typing?(): Promise<void>;
}

/** A budget of operations: at most `count` within any window of `perMs`. */
export interface Budget {
  count: number;
  perMs: number;
}

/**
 * The platform's limits and pacing budgets. The renderer and commands read these; nothing
 * branches on the platform's name.
 */
export interface PlatformLimits {
  /** Longest message text, in UTF-16 code units. */
  maxChars: number;
  /** Longest caption on a file. */
  maxCaptionChars: number;
  /** Largest file the bot may upload. */
  maxUploadBytes: number;
  /** Largest file the bot may download from a user. */
  maxDownloadBytes: number;
  /** Least time between two edits of one message. */
  minEditIntervalMs: number;
  /** Budget of sends + edits per chat: `count` within `perMs`, for private chats and groups. */
  privateBudget: Budget;
  groupBudget: Budget;
  /**
   * Sends + edits across all of the bot's chats (Telegram: about 30 a second). Enforced only
   * through a shared budget (several processes on one Redis); absent means no bot-wide cap.
   */
  botBudget?: Budget | undefined;
  /** True when the platform renders a growing message in place (a terminal does; a pipe doesn't). */
  liveEdits: boolean;
}

/** A platform-neutral event, made by an adapter, handled by the router. */
export interface Invocation {
  user: UserRef;
  chat: ChatRef;
  channel: ReplyChannel;
  /** The incoming message's id, so answers can reply to it. */
  messageId?: string | undefined;
  /** A reply to an earlier message: its id and whether the bot wrote it. */
  replyTo?: { messageId: string; fromBot: boolean; text?: string | undefined } | undefined;
  event:
    | {
        type: 'command';
        name: string;
        args: Record<string, RawArg>;
        text?: string | undefined;
        files?: IncomingFile[] | undefined;
      }
    | { type: 'message'; text: string; files: IncomingFile[] }
    | { type: 'button'; data: string };
}

/** An option value as a platform delivers it, before the command's spec checks it. */
export type RawArg = string | number | boolean | IncomingFile;

/** A command as platforms publish it (Discord slash commands, Telegram's command menu). */
export interface CommandSummary {
  name: string;
  description: { en: string; zh: string };
  options: readonly {
    name: string;
    type: 'text' | 'choice' | 'boolean' | 'integer' | 'image' | 'file' | 'audio';
    description: { en: string; zh: string };
    required: boolean;
    autocomplete: boolean;
    minLength?: number | undefined;
    maxLength?: number | undefined;
    min?: number | undefined;
    max?: number | undefined;
    choices?: readonly { value: string; label: { en: string; zh: string } }[] | undefined;
  }[];
}

/** A user typing into an option that offers completions (Discord autocomplete). */
export interface CompletionRequest {
  user: UserRef;
  chat: ChatRef;
  command: string;
  option: string;
  typed: string;
}

export type Completer = (request: CompletionRequest) => Promise<{ value: string; label: string }[]>;

/** What the router gives an adapter when it starts. */
export interface AdapterHooks {
  dispatch: (invocation: Invocation) => Promise<void>;
  complete: Completer;
}

export interface PlatformAdapter {
  readonly name: string;
  limits(chat: ChatRef): PlatformLimits;
  start(hooks: AdapterHooks): Promise<void>;
  stop(): Promise<void>;
  /** Connected and receiving events; absent means always healthy. */
  healthy?(): boolean;
  /** Reopens a chat to post into it, e.g. when a task finishes after a restart. */
  channel(chat: ChatRef): ReplyChannel;
}

export type { Lang };
