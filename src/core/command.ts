import type { Logger } from 'pino';
import type { ApiCore, StreamEvent } from './apicore.js';
import type { Lang, Localized } from './i18n.js';
import type {
  ChatRef,
  CommandSummary,
  IncomingFile,
  MessageRef,
  OutgoingFile,
  PlatformLimits,
  UserRef,
} from './platform.js';
import type { PublicFiles, SongServices } from './songs.js';
import type { Store } from './store.js';
import type { TaskTracker } from './tasks.js';
import type { UsageMeter } from './usage.js';

// ---------- options ----------

interface OptionBase {
  name: string;
  description: Localized;
  required?: boolean;
}

export interface TextOption extends OptionBase {
  type: 'text';
  minLength?: number;
  maxLength?: number;
  /** Offer completions (Discord autocomplete); the command's `complete` answers. */
  autocomplete?: boolean;
}
export interface ChoiceOption extends OptionBase {
  type: 'choice';
  choices: readonly { value: string; label: Localized }[];
}
export interface BooleanOption extends OptionBase {
  type: 'boolean';
}
export interface IntegerOption extends OptionBase {
  type: 'integer';
  min?: number;
  max?: number;
}
export interface FileOption extends OptionBase {
  /** `image` accepts images only; `file` accepts anything. */
  type: 'image' | 'file' | 'audio';
}

export type OptionSpec = TextOption | ChoiceOption | BooleanOption | IntegerOption | FileOption;

type ValueOf<O extends OptionSpec> = O extends ChoiceOption
  ? O['choices'][number]['value']
  : O extends TextOption
    ? string
    : O extends BooleanOption
      ? boolean
      : O extends IntegerOption
        ? number
        : IncomingFile;

/** The typed arguments a handler receives, inferred from its option list. */
export type ArgsOf<Opts extends readonly OptionSpec[]> = {
  [O in Opts[number] as O extends { required: true } ? O['name'] : never]: ValueOf<O>;
} & {
  [O in Opts[number] as O extends { required: true } ? never : O['name']]?: ValueOf<O> | undefined;
};

// ---------- what a command can do ----------

/** One thing a follow-up form asks for; its answer becomes the command argument `name`. */
export interface FormField {
  name: string;
  label: Localized;
  /** One line (`short`, the default) or several (`paragraph`: lyrics, a prompt). */
  style?: 'short' | 'paragraph' | undefined;
  /** Default true. An optional field is skipped with "-" where it is asked as a reply. */
  required?: boolean | undefined;
  /** At most 4000 (Discord's limit for a modal field). */
  maxLength?: number | undefined;
  placeholder?: Localized | undefined;
  /** Pre-filled text (Discord modals; shown as a hint where the answer is typed as a reply). */
  value?: string | undefined;
}

/**
 * What a button needs from the presser before its command can run (new lyrics, a prompt, a
 * time): asked the way the platform does it best (a Discord modal; a reply prompt in Telegram and
 * the terminal), then the command runs with the button's arguments plus the answers.
 */
export interface FollowUpForm {
  /** At most 45 characters (Discord's modal title). */
  title: Localized;
  /** One to five fields. */
  fields: FormField[];
}

/** A button that runs a command with arguments when pressed. */
export interface CommandButton {
  label: string;
  command: string;
  args: Record<string, string | number | boolean>;
  /** Asked before the command runs; the answers are added to `args`. */
  form?: FollowUpForm | undefined;
}

export interface ReplyExtras {
  buttons?: CommandButton[][] | undefined;
  files?: OutgoingFile[] | undefined;
}

/** How hard a reasoning model thinks (`reasoning_effort`; `minimal` is gpt-5's only). */
export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high';
/** How long gpt-5's answers are (`verbosity`). */
export type Verbosity = 'low' | 'medium' | 'high';

export interface ChatSettings {
  model: string;
  systemPrompt: string | undefined;
  /**
   * Most tokens an answer may have: the chat's own setting, else DEFAULT_MAX_TOKENS; 0 or unset:
   * not sent (the model's own default; Claude, which needs one, gets 8,192).
   */
  maxTokens?: number | undefined;
  /** Sent only to models that take it (o-series, gpt-5). */
  reasoningEffort?: ReasoningEffort | undefined;
  /** Sent only to models that take it (gpt-5). */
  verbosity?: Verbosity | undefined;
}

/** What a model takes and where it is asked, for commands that set or list models. */
export interface ModelTraits {
  route: 'chat' | 'claude' | 'responses';
  reasoningEffort: boolean;
  /** Takes `minimal` effort (gpt-5); others get `low` instead. */
  minimalEffort: boolean;
  verbosity: boolean;
  /** A GPTs id (`gpt-4-gizmo-g-…`): valid by its pattern even where /v1/models does not list it. */
  gizmo: boolean;
}

/** An answer as it streams: the renderer draws reasoning apart from the text. */
export type AnswerPiece = StreamEvent | { type: 'status'; text: string };

export interface StreamOutcome {
  text: string;
  reasoning: string;
  refs: MessageRef[];
  error: Error | undefined;
  /** Tokens the gateway reported for the answer (every round of a tool loop added up); 0 when none. */
  tokens: number;
  /** The user stopped the answer: `text` is what had arrived by then. */
  stopped?: boolean | undefined;
  /**
   * The answer's message was deleted while it streamed (also `stopped`): nothing more was sent for
   * it, and the upstream request should be aborted if it still runs.
   */
  deleted?: boolean | undefined;
}

export interface StreamOptions {
  /** A line shown under the answer once it is complete (e.g. "older turns were dropped"). */
  footer?: string | undefined;
  /**
   * Aborted when the user stops the answer: the renderer ends at once, keeps the text so far and
   * marks it stopped. Drafts then show the platform's own stop button.
   */
  stop?: AbortSignal | undefined;
  /** Buttons under an answer that is edited in place while it grows (a Stop button). */
  liveButtons?: CommandButton[][] | undefined;
  /** Buttons under the finished answer (Regenerate); shown only when the answer has text. */
  finalButtons?: CommandButton[][] | undefined;
  /** The native draft id to stream with, so a stop from the platform can name this answer. */
  draftId?: number | undefined;
}

/**
 * The command a platform's own stop control runs (Telegram's `stopped_message_generation`),
 * with the integer argument `draft`; the Stop button runs it with the text argument `answer`.
 */
export const STOP_COMMAND = 'stop';

/** The command the Regenerate button under a finished answer runs (see RegenerateTarget). */
export const REGENERATE_COMMAND = 'regenerate';

/** The running answer a stop names: the id on its Stop button, or its native draft id. */
export interface StopTarget {
  answer?: string | undefined;
  draft?: number | undefined;
}

/** What a stop did: stopped it, found it already finished (or running elsewhere), or refused. */
export type StopResult = 'stopped' | 'finished' | 'forbidden';

/** A finished answer to ask again: its conversation, its id there, and the model to ask. */
export interface RegenerateTarget {
  conversation: string;
  answer: string;
  model?: string | undefined;
}

/** What a user turn carries into a conversation. */
export interface ChatInput {
  text: string;
  images: IncomingFile[];
  files: IncomingFile[];
  /** Voice notes and audio files, transcribed and answered. */
  audio: IncomingFile[];
}

/** The conversation engine, handed to commands through their context (implemented in src/conversations). */
export interface ChatService {
  /** Answers `input` in the conversation this event belongs to, streaming the reply. */
  answer(ctx: CommandContext<unknown>, input: ChatInput): Promise<StreamOutcome>;
  /** Forgets the current conversation of this chat (and user, in groups). */
  reset(ctx: CommandContext<unknown>): Promise<void>;
  /**
   * Stops an answer running in this process: its upstream request is aborted and the text so far
   * stays, marked stopped. Only the asker (or an admin) may stop it.
   */
  stop(ctx: CommandContext<unknown>, target: StopTarget): Promise<StopResult>;
  /** Asks a finished answer's question again; the new answer replaces it in its conversation. */
  regenerate(ctx: CommandContext<unknown>, target: RegenerateTarget): Promise<StreamOutcome>;
  /** What `model` takes (reasoning effort, verbosity) and which endpoint answers it. */
  modelTraits(model: string): ModelTraits;
}

export interface CommandInfo {
  name: string;
  description: Localized;
  hidden: boolean;
}

export interface CommandContext<A> {
  readonly args: A;
  /**
   * Files the event carried that no option took, of kinds the command does take: an album's
   * further photos. Commands that can use several (chat) read them; the rest may ignore them.
   */
  readonly moreFiles: readonly IncomingFile[];
  readonly user: UserRef;
  readonly chat: ChatRef;
  readonly lang: Lang;
  readonly limits: PlatformLimits;
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly apicore: ApiCore;
  readonly store: Store;
  readonly chatService: ChatService;
  readonly tasks: TaskTracker;
  /** This user's spending today (tokens, tasks), checked against the daily quotas. */
  readonly usage: UsageMeter;
  /** SUNO_MODEL and this chat's daily group song budget (absent where the app gives none). */
  readonly songs?: SongServices | undefined;
  /** Serves bytes at a public link for a while; absent when PUBLIC_BASE_URL is not set. */
  readonly publicFiles?: PublicFiles | undefined;
  /** Listed in ADMIN_USERS (or no admins are configured). */
  readonly isAdmin: boolean;
  /**
   * Whether the sender may change chat-wide settings (the model, the system prompt): always in a
   * private chat; in a group, a chat administrator (asked of the platform, cached) or a user
   * listed in ADMIN_USERS.
   */
  mayChangeChatSettings(): Promise<boolean>;
  readonly settings: ChatSettings;
  readonly commands: readonly CommandInfo[];
  /** The message this event replies to, when it does. */
  readonly replyTo: { messageId: string; fromBot: boolean; text?: string | undefined } | undefined;
  /** The incoming message's id. */
  readonly messageId: string | undefined;
  /**
   * The tool's name while a model's tool call runs command code inside a chat answer; unset when
   * the user ran the command. A task a tool call starts also pays one per-minute request.
   */
  readonly toolCall?: string | undefined;
  /** Picks the user's language from a Localized text and fills `{placeholders}`. */
  t(text: Localized, values?: Record<string, string | number>): string;
  updateSettings(patch: Partial<ChatSettings>): Promise<void>;
  reply(text: string, extras?: ReplyExtras): Promise<MessageRef>;
  edit(ref: MessageRef, text: string, extras?: ReplyExtras): Promise<void>;
  /** Streams an answer: placeholder at once, paced edits, split at the platform's limit. */
  stream(source: AsyncIterable<AnswerPiece>, options?: StreamOptions): Promise<StreamOutcome>;
  /** Shows "typing…" (or the platform's like) while something slow runs; best effort, never throws. */
  typing(): Promise<void>;
}

export interface CommandSpec<Opts extends readonly OptionSpec[] = readonly OptionSpec[]> {
  name: string;
  description: Localized;
  options: Opts;
  /** Not listed in help or published to platforms (e.g. button-only commands). */
  hidden?: boolean;
  /**
   * Changes chat-wide settings: platforms that can publish a permission with a command offer it
   * to chat administrators only (Discord: Manage Server). The command still checks
   * `mayChangeChatSettings()` itself.
   */
  adminOnly?: boolean;
  /**
   * What running it spends, for the daily quotas: model tokens, or an upstream task. A `task`
   * command holds one daily task slot while it runs (given back unless it starts a task), and its
   * buttons are claimed per press, so a double tap starts one task.
   */
  cost?: 'chat' | 'task';
  run(ctx: CommandContext<ArgsOf<Opts>>): Promise<void>;
  /** Completions for a text option marked `autocomplete`. */
  complete?(
    ctx: CommandContext<unknown>,
    option: string,
    typed: string,
  ): Promise<{ value: string; label: string }[]>;
}

/** Declares a command; the option list's literal types give `run` typed arguments. */
export function defineCommand<const Opts extends readonly OptionSpec[]>(
  spec: CommandSpec<Opts>,
): CommandSpec<Opts> {
  return spec;
}

/** A command with its argument types erased, as the router holds it. */
// biome-ignore lint/suspicious/noExplicitAny: the router checks arguments against `options` at run time.
export type AnyCommand = CommandSpec<any>;

/** The published shape of the visible commands, for adapters to register. */
export function commandSummaries(commands: readonly AnyCommand[]): CommandSummary[] {
  return commands
    .filter((c) => !c.hidden)
    .map((c) => ({
      name: c.name,
      description: c.description,
      ...(c.adminOnly ? { adminOnly: true } : {}),
      options: (c.options as readonly OptionSpec[]).map((o) => ({
        name: o.name,
        type: o.type,
        description: o.description,
        required: o.required ?? false,
        autocomplete: o.type === 'text' && (o.autocomplete ?? false),
        ...(o.type === 'text' ? { minLength: o.minLength, maxLength: o.maxLength } : {}),
        ...(o.type === 'integer' ? { min: o.min, max: o.max } : {}),
        ...(o.type === 'choice' ? { choices: o.choices } : {}),
      })),
    }));
}
