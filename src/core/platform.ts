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
  /**
   * A topic (thread) inside the chat, e.g. a Telegram forum topic's `message_thread_id`. Replies,
   * continuations and task results posted through `PlatformAdapter.channel(chat)` stay in it, and
   * each topic has its own conversation; settings and pacing budgets stay the chat's. Absent: the
   * chat itself (a forum's "General").
   */
  threadId?: string | undefined;
  /**
   * Where the chat itself lives, for allow lists: the channel a Discord thread belongs to, and the
   * guild (server) of a Discord channel or thread. `ALLOWED_CHATS` may list any of `id`,
   * `parentId` and `guildId`. Absent where the platform has no such nesting.
   */
  parentId?: string | undefined;
  guildId?: string | undefined;
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
  /**
   * The message asks a question the user answers by replying to it (Telegram's ForceReply opens
   * the reply field); `placeholder` (at most 64 characters) shows in the empty field. Ignored where
   * every next line is an answer anyway (a terminal).
   */
  forceReply?: { placeholder?: string | undefined } | undefined;
}

/** A follow-up form as a platform shows it (a Discord modal), already in the user's language. */
export interface PlatformForm {
  title: string;
  fields: {
    name: string;
    label: string;
    style: 'short' | 'paragraph';
    required: boolean;
    maxLength: number;
    placeholder?: string | undefined;
    value?: string | undefined;
  }[];
}

/** A file someone sent the bot; its bytes are fetched only when a command needs them. */
export interface IncomingFile {
  kind: MediaKind;
  name: string;
  mime?: string | undefined;
  /** Declared size in bytes, when the platform tells it before download. */
  size?: number | undefined;
  fetch(maxBytes: number): Promise<Uint8Array>;
  /**
   * A link anyone may fetch the file from without the bot's credentials (a Discord attachment's
   * CDN URL); absent where the platform's link carries the bot token (Telegram) or there is none.
   */
  publicUrl?: string | undefined;
}

/** Draft ids are positive 32-bit integers (Telegram's draft_id must be non-zero): 1 … MAX_DRAFT_ID − 1. */
export const MAX_DRAFT_ID = 2 ** 31 - 1;

/** How one draft update is shown. */
export interface DraftOptions {
  /** Show the platform's own stop button on the draft (Telegram `can_stop`). */
  canStop?: boolean | undefined;
}

/**
 * Where the replies to one event go, made by the adapter. Tasks keep the MessageRefs it returns
 * and reopen them with `PlatformAdapter.channel()` after a restart.
 */
export interface ReplyChannel {
  send(message: OutgoingMessage): Promise<MessageRef>;
  /** Rejects with a MessageGoneError (core/message-gone.ts) when the message was deleted. */
  edit(ref: MessageRef, message: OutgoingMessage): Promise<void>;
  /**
   * Calls `listener` once someone deletes the message `ref` (Discord's MESSAGE_DELETE), so a
   * streaming answer stops at once; returns a function that stops listening. Absent where the
   * platform does not say when a message is deleted (Telegram): there the next `edit` rejects with
   * a MessageGoneError instead.
   */
  watchDeleted?(ref: MessageRef, listener: () => void): () => void;
  /**
   * Removes a message the bot sent (a live message the final answer no longer needs). Rejects when
   * the platform refused; absent where the platform cannot delete, and the caller empties the
   * message with an edit instead.
   */
  delete?(ref: MessageRef): Promise<void>;
  /**
   * Native draft streaming (Telegram private chats); absent where the platform has none, or once
   * the platform said it has none. Resolves true when the draft is shown and false when it is not
   * (any error: the caller shows the answer as a normal message instead). Never rejects.
   */
  draft?(draftId: number, text: string, options?: DraftOptions): Promise<boolean>;
  /** "typing…" or similar, best effort. */
  typing?(): Promise<void>;
  /**
   * The chat already shows that an answer is coming (a deferred Discord interaction's "thinking…"),
   * and the first `send` replaces it: the renderer sends no placeholder of its own, which would
   * only spend a request of the message's budget. Absent or false: the renderer sends one.
   */
  readonly showsPlaceholder?: boolean | undefined;
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
  /** Longest message text, in UTF-16 code units, or as `measure` counts when the platform has one. */
  maxChars: number;
  /** Longest caption on a file (counted the same way). */
  maxCaptionChars: number;
  /**
   * How the platform counts a message's length against `maxChars` and `maxCaptionChars`, given the
   * markdown the bot holds. Telegram counts the text left after its HTML is parsed, which can be
   * longer than the markdown (a list-heavy answer) or shorter (markup, link targets), so splitting
   * must ask it. Absent: UTF-16 code units (`text.length`).
   */
  measure?: ((markdown: string) => number) | undefined;
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
   * Sends + edits (and drafts) across all of the bot's chats (Telegram: about 30 a second). Paced
   * one level above the chat schedulers in each process, a round robin between chats with final
   * texts and sends first, and across processes through the shared budget when there is one;
   * absent means no bot-wide cap.
   */
  botBudget?: Budget | undefined;
  /** True when the platform renders a growing message in place (a terminal does; a pipe doesn't). */
  liveEdits: boolean;
  /**
   * How long a native draft stays visible without an update (Telegram: 30 s); the renderer
   * refreshes a silent draft before then. Absent where the platform has no drafts.
   */
  draftLifetimeMs?: number | undefined;
  /**
   * How native drafts are paced, apart from `privateBudget`: drafts are previews, not messages, so
   * they do not spend the chat's message budget. `count` within `perMs` per chat, and at least
   * `minIntervalMs` between two drafts of one answer. Absent: drafts wait for the chat's budget.
   */
  draftPacing?: (Budget & { minIntervalMs: number }) | undefined;
  /**
   * Answers carry buttons: Stop while they grow (where they are edited in place) and Regenerate
   * once finished. Off where buttons are typed rather than pressed (a terminal).
   */
  answerButtons?: boolean | undefined;
  /**
   * The next message answers a pending question (a terminal, where there is no message to reply
   * to). Otherwise only a reply to the question answers it.
   */
  nextLineAnswers?: boolean | undefined;
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
        /**
         * The command named this bot (`/cmd@thisbot`, a slash command made for it). In groups an
         * unknown command that is not addressed may be meant for another bot and gets no answer.
         * Absent counts as addressed.
         */
        addressed?: boolean | undefined;
      }
    | {
        type: 'message';
        text: string;
        files: IncomingFile[];
        /**
         * The album (Telegram `media_group_id`) these files came in, already gathered into this one
         * event; the router answers an album once even when its parts reached several processes.
         */
        album?: string | undefined;
      }
    | {
        type: 'button';
        data: string;
        /** The answers to the button's follow-up form, when the platform asked them itself (a modal). */
        values?: Record<string, string> | undefined;
      };
  /**
   * Shows a short text to the person who caused the event only (a Telegram button press answered
   * with an alert, an ephemeral message for a Discord interaction). Resolves false when it could not be shown that way (the press was already answered,
   * the platform refused): the caller then says it in the chat. Absent where the platform has no
   * such answer for this event.
   */
  notice?: ((text: string) => Promise<boolean>) | undefined;
  /**
   * Whether the sender administers this chat (Telegram: creator or administrator, also an
   * anonymous admin), for chat-wide settings. Private chats need not ask: there the user is the
   * admin. Absent: the platform cannot tell, and chat-wide settings are left open in groups.
   */
  senderIsChatAdmin?: (() => Promise<boolean>) | undefined;
}

/** An option value as a platform delivers it, before the command's spec checks it. */
export type RawArg = string | number | boolean | IncomingFile;

/** A command as platforms publish it (Discord slash commands, Telegram's command menu). */
export interface CommandSummary {
  name: string;
  description: { en: string; zh: string };
  /** Offered to chat administrators only where the platform can say so (Discord: Manage Server). */
  adminOnly?: boolean | undefined;
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

/** What a button's press needs before it is acknowledged (see AdapterHooks.pressFor). */
export interface PressNeeds {
  form?: PlatformForm | undefined;
  quiet: boolean;
}

/** What the router gives an adapter when it starts. */
export interface AdapterHooks {
  dispatch: (invocation: Invocation) => Promise<void>;
  complete: Completer;
  /**
   * Whether the allow lists let this user use the bot in this chat, so an adapter can decide
   * before it creates anything for the event (a Discord thread). The router checks again on
   * dispatch. Absent: the adapter assumes yes.
   */
  allowed?: ((user: UserRef, chat: ChatRef) => boolean) | undefined;
  /**
   * What a button's press needs before the platform acknowledges it, for adapters that must answer
   * a press within seconds (Discord, 3 s): `form`, the follow-up form it asks before it runs, in this
   * user's language, to show as the press's first answer (a Discord modal; the answers come back as
   * the button event's `values`); `quiet`, true when the press posts nothing of its own and changes
   * what is already shown (Stop: the answer above it ends, marked stopped), so it can be acknowledged
   * without a visible "thinking…" (Discord's deferred update; a refusal or an error is still told,
   * privately). Absent, or neither: dispatch the press as usual (the router asks by messages where
   * it must).
   */
  pressFor?: ((data: string, user: UserRef) => Promise<PressNeeds>) | undefined;
}

/**
 * How a platform is doing, for `/healthz` and the logs: `starting` until it first connects, `up`
 * while it receives events, `unhealthy` with a short reason an operator can act on (never a
 * token), `stopped` after stop() or when it gave up (a refused token is not retried).
 */
export interface PlatformHealth {
  state: 'starting' | 'up' | 'unhealthy' | 'stopped';
  reason?: string | undefined;
}

export interface PlatformAdapter {
  readonly name: string;
  limits(chat: ChatRef): PlatformLimits;
  /**
   * Connects and starts delivering events. It may resolve before the platform is reachable (the
   * adapter then keeps retrying in the background and says so through health()); it must not
   * leave a rejected promise behind that nobody awaits. A rejection is retried by the app later
   * (backing off up to minutes), unless its error says `permanent: true` (a refused token, say:
   * trying again cannot help); start() must then work again after stop() or a failed start().
   */
  start(hooks: AdapterHooks): Promise<void>;
  stop(): Promise<void>;
  /** Connected and receiving events; absent means always healthy. */
  healthy?(): boolean;
  /** The richer answer /healthz shows; absent: derived from healthy(). */
  health?(): PlatformHealth;
  /** Reopens a chat to post into it, e.g. when a task finishes after a restart. */
  channel(chat: ChatRef): ReplyChannel;
}

export type { Lang };
