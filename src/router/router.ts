import type { Logger } from 'pino';
import type { ApiCore } from '../core/apicore.js';
import type {
  AnswerPiece,
  AnyCommand,
  ChatService,
  ChatSettings,
  CommandContext,
  CommandInfo,
  ReplyExtras,
} from '../core/command.js';
import { langFromLocale, t } from '../core/i18n.js';
import type {
  AdapterHooks,
  ChatRef,
  Completer,
  IncomingFile,
  Invocation,
  PlatformLimits,
  RawArg,
} from '../core/platform.js';
import type { Claims, KeyValue, Store } from '../core/store.js';
import type { TaskTracker } from '../core/tasks.js';
import { type UsageMeter, UsageRefusedError } from '../core/usage.js';
import { BotError } from '../errors.js';
import type { SchedulerRegistry } from '../render/scheduler.js';
import { splitMessage } from '../render/split.js';
import { renderStream } from '../render/stream-to-edits.js';
import { ButtonRegistry } from '../store/buttons.js';
import type { AccessPolicy, EventMeter } from './access.js';
import { parseArgs } from './args.js';
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
  access: AccessPolicy;
  /** Requests a minute allowed per user (for the message when it is exceeded). */
  ratePerMinute?: number;
}

/** What an adapter is to the router: a name and the limits it declares per chat. */
export interface AdapterInfo {
  name: string;
  limits(chat: ChatRef): PlatformLimits;
}

type StoredSettings = Partial<ChatSettings>;

/** How long a paid button's press holds it: a second press within this time starts nothing. */
export const PRESS_CLAIM_MS = 60_000;

/** Routes platform-neutral events to commands, with one catch point for every failure. */
export class Router {
  readonly #commands = new Map<string, AnyCommand>();
  readonly #info: CommandInfo[];
  readonly #settings: KeyValue<StoredSettings>;
  readonly #buttons: ButtonRegistry;
  readonly #presses: Claims;
  readonly #inflight = new Set<Promise<void>>();
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
    this.#presses = deps.store.claims('button-press');
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
    return { dispatch: this.dispatchFor(adapter), complete: this.completeFor(adapter) };
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

  async #handle(adapter: AdapterInfo, inv: Invocation): Promise<void> {
    const lang = langFromLocale(inv.user.locale);
    const log = this.deps.log.child({
      platform: inv.chat.platform,
      chat: inv.chat.id,
      user: inv.user.id,
      event: inv.event.type,
      ...(inv.event.type === 'command' ? { command: inv.event.name } : {}),
    });
    const limits = adapter.limits(inv.chat);
    try {
      const refusal = await this.#gate(inv);
      if (refusal) {
        log.info({ refusal: refusal.en }, 'request refused by the access policy');
        await inv.channel.send({ text: refusal[lang], replyTo: inv.messageId });
        return;
      }
      const target = await this.#resolve(inv, lang);
      if (!target) return;
      const { command, raw, line, files } = target;
      if (command.cost === 'chat') {
        const use = await this.deps.access.overTokenQuota(inv.user, inv.chat);
        if (use) {
          log.info({ quota: 'tokens' }, 'daily quota reached');
          const values = { used: use.tokens, quota: use.tokenQuota };
          await inv.channel.send({ text: t(lang, M.quotaTokens, values), replyTo: inv.messageId });
          return;
        }
      }
      // A paid button runs once per press window: a double tap, or two members pressing at once
      // (in one process or several), starts one task.
      const press =
        inv.event.type === 'button' && command.cost === 'task' ? `press:${inv.event.data}` : undefined;
      if (press && !(await this.#presses.claim(press, PRESS_CLAIM_MS))) {
        log.info({ press }, 'button already pressed; nothing new started');
        await inv.channel.send({ text: t(lang, M.alreadyStarted), replyTo: inv.messageId });
        return;
      }
      const meter = this.deps.access.meter(inv.user, inv.chat);
      try {
        if (command.cost === 'task') {
          const refusal = await meter.hold();
          if (refusal) {
            log.info({ quota: refusal.reason }, 'daily quota reached');
            await inv.channel.send({ text: refusal.message[lang], replyTo: inv.messageId });
            return;
          }
        }
        const args = parseArgs(command, raw, line, files);
        const ctx = await this.#context(adapter, inv, limits, log, args, meter);
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
        await inv.channel.send({ text: errorMessage(error, lang), replyTo: inv.messageId });
      } catch (sendError) {
        log.warn({ err: sendError }, 'could not tell the user about the failure');
      }
    }
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
  async #gate(inv: Invocation): Promise<{ en: string; zh: string } | undefined> {
    const { access } = this.deps;
    if (!access.allowed(inv.user, inv.chat)) {
      const id = `${inv.chat.platform}:${inv.user.id}`;
      return { en: t('en', M.notAllowed, { id }), zh: t('zh', M.notAllowed, { id }) };
    }
    if (!(await access.takeRequest(inv.user, inv.chat))) {
      const n = this.deps.ratePerMinute ?? 0;
      return { en: t('en', M.slowDown, { n }), zh: t('zh', M.slowDown, { n }) };
    }
    return undefined;
  }

  async #resolve(
    inv: Invocation,
    lang: 'en' | 'zh',
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
    if (e.type === 'button') {
      const stored = await this.#buttons.lookup(e.data);
      const command = stored && this.#commands.get(stored.command);
      if (!stored || !command)
        throw new BotError('input', 'expired button', { userMessage: M.expiredButton });
      return { command, raw: stored.args, files: [] };
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

  async #context(
    adapter: AdapterInfo,
    inv: Invocation,
    limits: PlatformLimits,
    log: Logger,
    args: Record<string, unknown>,
    meter: UsageMeter = this.deps.access.meter(inv.user, inv.chat),
  ): Promise<CommandContext<unknown>> {
    const deps = this.deps;
    const chatKey = `${inv.chat.platform}:${inv.chat.id}`;
    const stored = (await this.#settings.get(chatKey)) ?? {};
    const settings: ChatSettings = {
      model: stored.model ?? deps.defaultModel,
      systemPrompt: stored.systemPrompt,
    };
    const lang = langFromLocale(inv.user.locale);
    const budget = inv.chat.kind === 'group' ? limits.groupBudget : limits.privateBudget;
    const scheduler = deps.schedulers.for(`${adapter.name}:${inv.chat.id}`, budget, limits.minEditIntervalMs);
    const buttons = this.#buttons;
    const channel = inv.channel;
    const signal = this.#shutdown.signal;
    const extrasFor = async (extras: ReplyExtras | undefined) => ({
      ...(extras?.buttons ? { buttons: await buttons.register(extras.buttons) } : {}),
      ...(extras?.files ? { files: extras.files } : {}),
    });
    const ctx: CommandContext<unknown> = {
      args,
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
      isAdmin: deps.access.seesKeyUsage(inv.user, inv.chat),
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
        const chunks = text ? splitMessage(text, limits.maxChars) : [''];
        const extra = await extrasFor(extras);
        let ref: Awaited<ReturnType<typeof channel.send>> | undefined;
        const key = `reply:${Math.random()}`;
        for (const [i, chunk] of chunks.entries()) {
          await scheduler.acquire(key, true);
          const last = i === chunks.length - 1;
          ref = await channel.send({
            text: chunk,
            replyTo: i === 0 ? inv.messageId : undefined,
            ...(last ? extra : {}),
          });
        }
        scheduler.release(key);
        return ref!;
      },
      edit: async (ref, text, extras) => {
        const key = `edit:${ref.messageId}`; // the same key as pacedChannel: one interval per message
        await scheduler.acquire(key);
        await channel.edit(ref, {
          text: splitMessage(text, limits.maxChars)[0] ?? '',
          ...(await extrasFor(extras)),
        });
      },
      stream: (source: AsyncIterable<AnswerPiece>, options) =>
        renderStream(source, {
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
          draftId:
            inv.chat.kind === 'private' && channel.draft
              ? Math.floor(Math.random() * 2 ** 31) + 1
              : undefined,
        }),
    };
    return ctx;
  }
}
