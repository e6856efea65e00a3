import { randomInt, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ApiCore } from '../core/apicore.js';
import {
  type AnswerPiece,
  type AnyCommand,
  type ChatService,
  type ChatSettings,
  type CommandContext,
  type CommandInfo,
  type ReplyExtras,
  STOP_COMMAND,
} from '../core/command.js';
import { type Localized, langFromLocale, t } from '../core/i18n.js';
import { answerMetrics, type Metrics } from '../core/metrics.js';
import {
  type AdapterHooks,
  type ChatRef,
  type Completer,
  type IncomingFile,
  type Invocation,
  MAX_DRAFT_ID,
  type MessageRef,
  type OutgoingMessage,
  type PlatformLimits,
  type RawArg,
} from '../core/platform.js';
import type { PublicFiles, SunoModel } from '../core/songs.js';
import type { Claims, KeyValue, Store } from '../core/store.js';
import type { TaskTracker } from '../core/tasks.js';
import { type UsageMeter, UsageRefusedError } from '../core/usage.js';
import { BotError } from '../errors.js';
import { type ChatScheduler, type SchedulerRegistry, WITHDRAWN } from '../render/scheduler.js';
import { splitMessage } from '../render/split.js';
import { FIRST_TEXT_GRACE_MS, renderStream } from '../render/stream-to-edits.js';
import { ButtonRegistry } from '../store/buttons.js';
import type { AccessPolicy, EventMeter } from './access.js';
import { parseArgs } from './args.js';
import { checkAnswers, FormSessions, renderForm } from './forms.js';
import type { GroupSongs } from './group-songs.js';
import { errorMessage, M } from './messages.js';

export interface RouterDeps {
  commands: readonly AnyCommand[];
  apicore: ApiCore;
  store: Store;
  chatService: ChatService;
  tasks: TaskTracker;
  schedulers: SchedulerRegistry;
  log: Logger;
  defaultModel: string;
  /** A chat answer's token cap unless the chat sets its own (DEFAULT_MAX_TOKENS; 0: not sent). */
  defaultMaxTokens?: number;
  access: AccessPolicy;
  /** Requests a minute allowed per user (for the message when it is exceeded). */
  ratePerMinute?: number;
  /** SUNO_MODEL and the per-group daily song budget (GROUP_DAILY_SONGS), for the song commands. */
  songs?: { defaultModel: SunoModel; groups: GroupSongs } | undefined;
  /** Where commands publish bytes the gateway must fetch (PUBLIC_BASE_URL); unset: not offered. */
  publicFiles?: PublicFiles | undefined;
  /** First-text latency, edits and tokens of streamed answers, for /metrics. */
  metrics?: Metrics | undefined;
}

/** What an adapter is to the router: a name and the limits it declares per chat. */
export interface AdapterInfo {
  name: string;
  limits(chat: ChatRef): PlatformLimits;
}

type StoredSettings = Partial<ChatSettings>;

/** How long a paid button's press holds it: a second press within this time starts nothing. */
export const PRESS_CLAIM_MS = 60_000;
/**
 * How long a refusal notice ("slow down", and in groups "not allowed" and quota) holds: the keys
 * carry the per-minute window, so this only has to outlive one window.
 */
export const NOTICE_CLAIM_MS = 2 * 60_000;
/** How long an album's claim holds: its parts arrive within seconds; later ones are dropped. */
export const ALBUM_CLAIM_MS = 10 * 60_000;

/** Why the access policy refused an event, which decides how often the user is told. */
type RefusalKind = 'not-allowed' | 'rate' | 'quota';

/**
 * How a chat answer opens before its command runs: when the event arrived (the first words' grace
 * counts from then), and the "Thinking…" draft already sent where drafts cost no message budget.
 */
interface Opening {
  startedAt: number;
  /**
   * The draft's id, whether it shows, and a way to take it back while it still waits for its turn
   * (the answer ended first: `shown` then resolves false and nothing is sent).
   */
  draft?: { id: number; shown: Promise<boolean>; withdraw: () => void } | undefined;
}

/** Routes platform-neutral events to commands, with one catch point for every failure. */
export class Router {
  readonly #commands = new Map<string, AnyCommand>();
  readonly #info: CommandInfo[];
  readonly #settings: KeyValue<StoredSettings>;
  readonly #buttons: ButtonRegistry;
  readonly #forms: FormSessions;
  readonly #presses: Claims;
  /** Refusals already told this window (per user and kind), so a flood gets one answer. */
  readonly #notices: Claims;
  /** Albums already answered, across every process on the store. */
  readonly #albums: Claims;
  readonly #inflight = new Set<Promise<void>>();
  /**
   * Answers streaming under the id of a draft opened before their command ran
   * (`platform:chat:draft` → the id the answer's command gave): the platform's stop names the first.
   */
  readonly #draftAliases = new Map<string, number>();
  readonly #shutdown = new AbortController();

  constructor(private readonly deps: RouterDeps) {
    for (const c of deps.commands) this.#commands.set(c.name, c);
    this.#info = deps.commands.map((c) => ({
      name: c.name,
      description: c.description,
      hidden: c.hidden ?? false,
    }));
    this.#settings = deps.store.namespace('chat-settings');
    this.#buttons = new ButtonRegistry(deps.store);
    this.#forms = new FormSessions(deps.store);
    this.#presses = deps.store.claims('button-press');
    this.#notices = deps.store.claims('refusal-notice');
    this.#albums = deps.store.claims('album');
  }

  /** The dispatch function handed to one adapter. */
  dispatchFor(adapter: AdapterInfo): (invocation: Invocation) => Promise<void> {
    return (invocation) => {
      const run = this.#handle(adapter, invocation);
      this.#inflight.add(run);
      return run.finally(() => this.#inflight.delete(run));
    };
  }

  /** The completion function handed to one adapter; failures answer no choices. */
  completeFor(adapter: AdapterInfo): Completer {
    return async (req) => {
      const command = this.#commands.get(req.command);
      if (!command?.complete) return [];
      const inv: Invocation = {
        user: req.user,
        chat: req.chat,
        channel: {
          send: async () => Promise.reject(new Error('no replies while completing')),
          edit: async () => {},
        },
        event: { type: 'command', name: req.command, args: {} },
      };
      const log = this.deps.log.child({
        platform: req.chat.platform,
        command: req.command,
        completing: req.option,
      });
      try {
        const ctx = await this.#context(adapter, inv, adapter.limits(req.chat), log, {});
        return await command.complete(ctx, req.option, req.typed);
      } catch (error) {
        log.warn({ err: error }, 'completion failed');
        return [];
      }
    };
  }

  /** Hooks for one adapter: where its events go. */
  hooksFor(adapter: AdapterInfo): AdapterHooks {
    return {
      dispatch: this.dispatchFor(adapter),
      complete: this.completeFor(adapter),
      allowed: (user, chat) => this.deps.access.allowed(user, chat),
      pressFor: async (data, user) => {
        const stored = await this.#buttons.lookup(data);
        return {
          form: stored?.form ? renderForm(stored.form, langFromLocale(user.locale)) : undefined,
          quiet: stored?.command === STOP_COMMAND,
        };
      },
    };
  }

  /** Commands running now. */
  get inflight(): number {
    return this.#inflight.size;
  }

  /** Waits for running commands to finish, then aborts what is left after `graceMs`. */
  async drain(graceMs: number): Promise<void> {
    const timer = setTimeout(() => this.#shutdown.abort(new BotError('cancelled', 'shutting down')), graceMs);
    await Promise.allSettled([...this.#inflight]);
    clearTimeout(timer);
  }

  async #handle(adapter: AdapterInfo, event: Invocation): Promise<void> {
    const startedAt = Date.now();
    const inv = this.#unalias(event);
    const lang = langFromLocale(inv.user.locale);
    const log = this.deps.log.child({
      platform: inv.chat.platform,
      chat: inv.chat.id,
      ...(inv.chat.threadId !== undefined ? { thread: inv.chat.threadId } : {}),
      user: inv.user.id,
      event: inv.event.type,
      ...(inv.event.type === 'command' ? { command: inv.event.name } : {}),
    });
    const limits = adapter.limits(inv.chat);
    const scheduler = this.#scheduler(adapter, inv.chat, limits);
    // Everything the router itself says (refusals, errors) waits for the chat's budget like answers do.
    const say = (text: string) => this.#say(inv, scheduler, text);
    try {
      if (this.#meantForAnotherBot(inv)) {
        log.debug('unknown command without this bot’s name in a group; left to the other bots');
        return;
      }
      if (inv.event.type === 'message' && inv.event.album) {
        const album = `${inv.chat.platform}:${inv.chat.id}:${inv.event.album}`;
        if (!(await this.#albums.claim(album, ALBUM_CLAIM_MS))) {
          log.debug({ album: inv.event.album }, 'album already answered');
          return;
        }
      }
      const refusal = await this.#gate(inv);
      if (refusal) {
        const tell = await this.#tellOnce(refusal.kind, inv);
        log.info({ refusal: refusal.text.en, told: tell }, 'request refused by the access policy');
        if (tell) await say(refusal.text[lang]);
        return;
      }
      const target = await this.#resolve(inv, lang, limits, scheduler);
      if (!target) return;
      const { command, raw, line, files } = target;
      if (command.cost === 'chat') {
        const use = await this.deps.access.overTokenQuota(inv.user, inv.chat);
        if (use) {
          const tell = await this.#tellOnce('quota', inv);
          log.info({ quota: 'tokens', told: tell }, 'daily quota reached');
          const values = { used: use.tokens, quota: use.tokenQuota };
          if (tell) await say(t(lang, M.quotaTokens, values));
          return;
        }
      }
      // Placeholder first: the gates that decide whether to answer (allow list, per-minute rate,
      // daily quota) have passed; a chat answer shows "Thinking…" now, before the lookups that only
      // shape it (chat settings, the conversation, its history).
      const opening: Opening | undefined =
        command.cost === 'chat'
          ? {
              startedAt,
              draft: inv.event.type === 'button' ? undefined : this.#openDraft(adapter, inv, limits),
            }
          : undefined;
      // A paid button runs once per press window: a double tap, or two members pressing at once
      // (in one process or several), starts one task.
      const press =
        inv.event.type === 'button' && command.cost === 'task' ? `press:${inv.event.data}` : undefined;
      if (press && !(await this.#presses.claim(press, PRESS_CLAIM_MS))) {
        log.info({ press }, 'button already pressed; nothing new started');
        await say(t(lang, M.alreadyStarted));
        return;
      }
      const meter = this.deps.access.meter(inv.user, inv.chat);
      try {
        if (command.cost === 'task') {
          const refusal = await meter.hold();
          if (refusal) {
            const tell = await this.#tellOnce('quota', inv);
            log.info({ quota: refusal.reason, told: tell }, 'daily quota reached');
            if (tell) await say(refusal.message[lang]);
            return;
          }
        }
        const args = parseArgs(command, raw, line, files);
        const taken = new Set(Object.values(args));
        const moreFiles = files.filter((f) => !taken.has(f));
        const ctx = await this.#context(adapter, inv, limits, log, args, meter, moreFiles, opening);
        await command.run(ctx as CommandContext<never>);
      } finally {
        await this.#settle(meter, press, log);
      }
    } catch (error) {
      const expected =
        error instanceof UsageRefusedError ||
        (error instanceof BotError && (error.kind === 'input' || error.kind === 'cancelled'));
      if (expected) log.info({ err: error }, 'command refused');
      else log.error({ err: error }, 'command failed');
      try {
        await say(errorMessage(error, lang));
      } catch (sendError) {
        log.warn({ err: sendError }, 'could not tell the user about the failure');
      }
    }
  }

  /**
   * The chat's draft pacing (`limits.draftPacing`), apart from its message budget: a scheduler of
   * its own, so the chat's messages (3 per 3 s in a private chat) never wait for drafts. The key
   * still names the platform: its bot-wide budget (TELEGRAM_MAX_PER_SECOND) counts drafts too.
   */
  #draftScheduler(adapter: AdapterInfo, chat: ChatRef, limits: PlatformLimits): ChatScheduler | undefined {
    const pacing = limits.draftPacing;
    if (!pacing) return undefined;
    return this.deps.schedulers.for(`drafts:${adapter.name}:${chat.id}`, pacing, pacing.minIntervalMs);
  }

  /**
   * Sends the "Thinking…" draft of a chat answer now, where drafts spend no message budget (a
   * private chat with drafts paced apart); undefined elsewhere. The answer's drafts keep its id
   * (see `#draftAliases`); it carries no stop button until they do. An error resolves false, and
   * the answer opens as the renderer would without it.
   */
  #openDraft(adapter: AdapterInfo, inv: Invocation, limits: PlatformLimits): Opening['draft'] {
    const channel = inv.channel;
    const drafts =
      channel.draft && inv.chat.kind === 'private' && this.#draftScheduler(adapter, inv.chat, limits);
    if (!drafts || !channel.draft) return undefined;
    const draftId = randomInt(1, MAX_DRAFT_ID);
    const key = `opening:${draftId}`;
    // Counted against the budgets from when the request comes back (a saturated loop cannot burst).
    const shown = drafts
      .begin(key, true)
      .then(async (end) => {
        if (end === WITHDRAWN) return false;
        try {
          return await channel.draft!(draftId, '');
        } finally {
          end();
        }
      })
      .catch(() => false)
      .finally(() => drafts.release(key));
    return { id: draftId, shown, withdraw: () => void drafts.withdraw(key) };
  }

  /** A platform's stop of a draft opened early names the answer by the id its command gave. */
  #unalias(inv: Invocation): Invocation {
    const e = inv.event;
    if (this.#draftAliases.size === 0 || e.type !== 'command' || e.name !== STOP_COMMAND) return inv;
    const draft = e.args.draft;
    const real =
      typeof draft === 'number' && this.#draftAliases.get(`${inv.chat.platform}:${inv.chat.id}:${draft}`);
    return real ? { ...inv, event: { ...e, args: { ...e.args, draft: real } } } : inv;
  }

  /** The chat's scheduler: one per chat (topics share it, as they share the chat's budget). */
  #scheduler(adapter: AdapterInfo, chat: ChatRef, limits: PlatformLimits): ChatScheduler {
    const budget = chat.kind === 'group' ? limits.groupBudget : limits.privateBudget;
    return this.deps.schedulers.for(`${adapter.name}:${chat.id}`, budget, limits.minEditIntervalMs);
  }

  /**
   * Says one short thing the router has to say (a refusal, an error): to the sender alone when
   * the adapter can (a Telegram press's alert, a Discord interaction's ephemeral message), else
   * in the chat, in its turn in the chat's budget.
   */
  async #say(inv: Invocation, scheduler: ChatScheduler, text: string): Promise<void> {
    if (inv.notice && (await inv.notice(text))) return;
    const key = `notice:${randomUUID()}`;
    // A shutdown does not wait for a full group's budget to tell someone they were refused.
    const signal = this.#shutdown.signal;
    let onAbort: (() => void) | undefined;
    let end: (() => void) | undefined;
    const granted = await Promise.race([
      scheduler.begin(key, true).then((e) => {
        end = e;
        return true;
      }),
      new Promise<false>((resolve) => {
        onAbort = () => resolve(false);
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
    if (onAbort) signal.removeEventListener('abort', onAbort);
    if (!granted) return;
    try {
      await inv.channel.send({ text, replyTo: inv.messageId });
    } finally {
      end?.();
      scheduler.release(key);
    }
  }

  /**
   * In a group, a command this bot does not know, sent without its name, is some other bot's
   * (`/ban`): no answer, and it costs the sender nothing.
   */
  #meantForAnotherBot(inv: Invocation): boolean {
    const e = inv.event;
    return (
      e.type === 'command' &&
      e.addressed === false &&
      inv.chat.kind === 'group' &&
      !this.#commands.has(e.name.toLowerCase())
    );
  }

  /**
   * Whether to tell the user about this refusal: "slow down" once per user and per-minute window
   * (a claim in the store, so it holds across processes too); in groups the other refusals too,
   * so one member's flood never floods the group. Private chats hear every other refusal.
   */
  async #tellOnce(kind: RefusalKind, inv: Invocation): Promise<boolean> {
    if (kind !== 'rate' && inv.chat.kind !== 'group') return true;
    const key = `${kind}:${this.deps.access.rateKey(inv.user, inv.chat)}`;
    return this.#notices.claim(key, NOTICE_CLAIM_MS);
  }

  /**
   * After a command: an unused task slot goes back, and a press that started no task (refused,
   * failed, or free) releases its claim so the button can be pressed again at once.
   */
  async #settle(meter: EventMeter, press: string | undefined, log: Logger): Promise<void> {
    try {
      await meter.settle();
      if (press && meter.kept === 0) await this.#presses.release(press);
    } catch (error) {
      log.warn({ err: error }, 'could not settle the command’s task slot or button claim');
    }
  }

  /** Allow lists and the per-minute limit, before anything else runs. */
  async #gate(inv: Invocation): Promise<{ kind: RefusalKind; text: Localized } | undefined> {
    const { access } = this.deps;
    if (!access.allowed(inv.user, inv.chat)) {
      const id = `${inv.chat.platform}:${inv.user.id}`;
      return {
        kind: 'not-allowed',
        text: { en: t('en', M.notAllowed, { id }), zh: t('zh', M.notAllowed, { id }) },
      };
    }
    if (!(await access.takeRequest(inv.user, inv.chat))) {
      const n = this.deps.ratePerMinute ?? 0;
      return { kind: 'rate', text: { en: t('en', M.slowDown, { n }), zh: t('zh', M.slowDown, { n }) } };
    }
    return undefined;
  }

  /** Posts a message of the router's own (a form's question) in its turn in the chat's budget. */
  async #post(scheduler: ChatScheduler, inv: Invocation, message: OutgoingMessage): Promise<MessageRef> {
    const key = `post:${randomUUID()}`;
    // Counted against the budgets from when the send came back (see ChatScheduler.begin).
    const end = await scheduler.begin(key, true);
    try {
      return await inv.channel.send(message);
    } finally {
      end();
      scheduler.release(key);
    }
  }

  /**
   * The command an event runs, with its raw arguments; undefined when the event was handled here
   * (a form's question asked or answered part way, an expired question).
   */
  async #resolve(
    inv: Invocation,
    lang: 'en' | 'zh',
    limits: PlatformLimits,
    scheduler: ChatScheduler,
  ): Promise<
    { command: AnyCommand; raw: Record<string, RawArg>; line?: string; files: IncomingFile[] } | undefined
  > {
    const e = inv.event;
    if (e.type === 'command') {
      const command = this.#commands.get(e.name.toLowerCase());
      if (!command) {
        const text = t(lang, M.unknownCommand, { name: e.name });
        throw new BotError('input', text, {
          userMessage: {
            en: t('en', M.unknownCommand, { name: e.name }),
            zh: t('zh', M.unknownCommand, { name: e.name }),
          },
        });
      }
      return {
        command,
        raw: e.args,
        ...(e.text !== undefined ? { line: e.text } : {}),
        files: e.files ?? [],
      };
    }
    const post = (message: OutgoingMessage) => this.#post(scheduler, inv, message);
    if (e.type === 'button') {
      const stored = await this.#buttons.lookup(e.data);
      const command = stored && this.#commands.get(stored.command);
      if (!stored || !command)
        throw new BotError('input', 'expired button', { userMessage: M.expiredButton });
      if (!stored.form) return { command, raw: stored.args, files: [] };
      // A button that needs answers: the platform asked them (a modal), or they are asked now by message.
      if (e.values)
        return { command, raw: { ...stored.args, ...checkAnswers(stored.form, e.values) }, files: [] };
      await this.#forms.begin(inv, { ...stored, form: stored.form }, lang, post);
      return undefined;
    }
    // Only a reply to one of the bot's messages (or, on a terminal, the next line) can answer a
    // form's question: any other message skips the store lookup.
    const nextLineAnswers = limits.nextLineAnswers ?? false;
    const answer =
      nextLineAnswers || inv.replyTo?.fromBot
        ? await this.#forms.take(inv, lang, nextLineAnswers, post)
        : ({ kind: 'none' } as const);
    if (answer.kind === 'said') {
      await post({ text: answer.text, replyTo: inv.messageId });
      return undefined;
    }
    if (answer.kind === 'asked') return undefined;
    if (answer.kind === 'done') {
      const command = this.#commands.get(answer.command);
      if (!command) throw new BotError('input', 'expired button', { userMessage: M.expiredButton });
      return { command, raw: answer.args, files: [] };
    }
    // A plain message: an image alone is described where a describe command exists; the rest is chat.
    const images = e.files.filter((f) => f.kind === 'image');
    const audio = e.files.filter((f) => f.kind === 'audio');
    if (!e.text.trim() && images.length > 0 && this.#commands.has('describe')) {
      return { command: this.#commands.get('describe')!, raw: {}, files: images };
    }
    if (!e.text.trim() && audio.length > 0 && this.#commands.has('transcribe')) {
      return { command: this.#commands.get('transcribe')!, raw: {}, files: audio };
    }
    const chat = this.#commands.get('chat');
    if (!chat) return undefined;
    return { command: chat, raw: { prompt: e.text }, files: e.files };
  }

  /**
   * Private chats: the user owns the chat. Groups: a configured admin, or whoever the platform says
   * administers the chat; where the platform cannot tell, groups stay open (as they always were).
   */
  async #mayChangeChatSettings(inv: Invocation, log: Logger): Promise<boolean> {
    if (inv.chat.kind === 'private' || this.deps.access.isAdmin(inv.user, inv.chat)) return true;
    if (!inv.senderIsChatAdmin) return true;
    try {
      return await inv.senderIsChatAdmin();
    } catch (error) {
      log.warn({ err: error }, 'could not tell whether the sender administers the chat; treated as not');
      return false;
    }
  }

  async #context(
    adapter: AdapterInfo,
    inv: Invocation,
    limits: PlatformLimits,
    log: Logger,
    args: Record<string, unknown>,
    meter: UsageMeter = this.deps.access.meter(inv.user, inv.chat),
    moreFiles: readonly IncomingFile[] = [],
    opening?: Opening,
  ): Promise<CommandContext<unknown>> {
    const deps = this.deps;
    const chatKey = `${inv.chat.platform}:${inv.chat.id}`;
    const stored = (await this.#settings.get(chatKey)) ?? {};
    const settings: ChatSettings = {
      model: stored.model ?? deps.defaultModel,
      systemPrompt: stored.systemPrompt,
      maxTokens: stored.maxTokens ?? deps.defaultMaxTokens,
      reasoningEffort: stored.reasoningEffort,
      verbosity: stored.verbosity,
    };
    const lang = langFromLocale(inv.user.locale);
    const scheduler = this.#scheduler(adapter, inv.chat, limits);
    const draftScheduler = this.#draftScheduler(adapter, inv.chat, limits);
    // The early draft belongs to the command's first answer only.
    let openedDraft = opening?.draft;
    const buttons = this.#buttons;
    const channel = inv.channel;
    const signal = this.#shutdown.signal;
    const extrasFor = async (extras: ReplyExtras | undefined) => ({
      ...(extras?.buttons ? { buttons: await buttons.register(extras.buttons) } : {}),
      ...(extras?.files ? { files: extras.files } : {}),
    });
    const ctx: CommandContext<unknown> = {
      args,
      moreFiles,
      user: inv.user,
      chat: inv.chat,
      lang,
      limits,
      log,
      signal,
      apicore: deps.apicore,
      store: deps.store,
      chatService: deps.chatService,
      tasks: deps.tasks,
      usage: meter,
      songs: deps.songs && { defaultModel: deps.songs.defaultModel, budget: deps.songs.groups.for(inv.chat) },
      publicFiles: deps.publicFiles,
      isAdmin: deps.access.seesKeyUsage(inv.user, inv.chat),
      mayChangeChatSettings: () => this.#mayChangeChatSettings(inv, log),
      settings,
      commands: this.#info,
      replyTo: inv.replyTo,
      messageId: inv.messageId,
      t: (text, values) => t(lang, text, values),
      updateSettings: async (patch) => {
        Object.assign(settings, patch);
        await this.#settings.set(chatKey, { ...stored, ...patch });
      },
      reply: async (text, extras) => {
        const chunks = text ? splitMessage(text, limits.maxChars, limits.measure) : [''];
        const extra = await extrasFor(extras);
        let ref: Awaited<ReturnType<typeof channel.send>> | undefined;
        const key = `reply:${Math.random()}`;
        try {
          for (const [i, chunk] of chunks.entries()) {
            const end = await scheduler.begin(key, true);
            const last = i === chunks.length - 1;
            try {
              ref = await channel.send({
                text: chunk,
                replyTo: i === 0 ? inv.messageId : undefined,
                ...(last ? extra : {}),
              });
            } finally {
              end();
            }
          }
        } finally {
          scheduler.release(key);
        }
        return ref!;
      },
      edit: async (ref, text, extras) => {
        const key = `edit:${ref.messageId}`; // the same key as pacedChannel: one interval per message
        const message = {
          text: splitMessage(text, limits.maxChars, limits.measure)[0] ?? '',
          ...(await extrasFor(extras)),
        };
        const end = await scheduler.begin(key);
        try {
          await channel.edit(ref, message);
        } finally {
          end();
        }
      },
      typing: async () => {
        await channel.typing?.().catch((error: unknown) => log.debug({ err: error }, 'typing not shown'));
      },
      stream: async (source: AsyncIterable<AnswerPiece>, options) => {
        const early = openedDraft;
        openedDraft = undefined;
        const drafts = inv.chat.kind === 'private' && channel.draft !== undefined;
        // The answer streams under the early draft's id (one draft, animated); a stop naming it
        // reaches the answer by the id its command gave.
        const alias =
          early && options?.draftId ? `${inv.chat.platform}:${inv.chat.id}:${early.id}` : undefined;
        if (alias && options?.draftId) this.#draftAliases.set(alias, options.draftId);
        try {
          return await renderStream(source, {
            channel,
            limits,
            scheduler,
            lang,
            log,
            placeholder: t(lang, M.placeholder),
            emptyText: t(lang, M.empty),
            errorText: (error) => errorMessage(error, lang),
            replyTo: inv.messageId,
            footer: options?.footer,
            draftId: !drafts
              ? undefined
              : (early?.id ?? options?.draftId ?? Math.floor(Math.random() * 2 ** 31) + 1),
            // Stop and Regenerate (answer controls): see StreamOptions.
            stop: options?.stop,
            liveButtons: options?.liveButtons && (await buttons.register(options.liveButtons)),
            finalButtons: options?.finalButtons && (await buttons.register(options.finalButtons)),
            metrics: answerMetrics(deps.metrics, inv.chat.platform),
            draftScheduler,
            opened: drafts ? early?.shown : undefined,
            withdrawOpened: drafts ? early?.withdraw : undefined,
            // No separate placeholder message when the first words come soon after the event.
            firstTextGraceMs: FIRST_TEXT_GRACE_MS,
            startedAt: opening?.startedAt,
          });
        } finally {
          if (alias) this.#draftAliases.delete(alias);
        }
      },
    };
    return ctx;
  }
}
