import {
  type AutocompleteInteraction,
  type ButtonInteraction,
  ChannelType,
  type ChatInputCommandInteraction,
  Client,
  type ClientOptions,
  Events,
  GatewayDispatchEvents,
  GatewayIntentBits,
  type Interaction,
  type Message,
  type MessageContextMenuCommandInteraction,
  MessageFlags,
  MessageType,
  type ModalSubmitInteraction,
  Partials,
  PermissionFlagsBits,
  RESTEvents,
} from 'discord.js';
import type { Logger } from 'pino';
import { type Localized, langFromLocale, t } from '../../core/i18n.js';
import type { Metrics } from '../../core/metrics.js';
import type {
  AdapterHooks,
  ChatRef,
  CommandSummary,
  Invocation,
  PlatformAdapter,
  PlatformHealth,
  PlatformLimits,
  ReplyChannel,
} from '../../core/platform.js';
import { MESSAGE_COMMANDS, optionNames, registerCommands } from './commands-json.js';
import { loggable, redactRoute } from './errors.js';
import { createAgent, makeRequestWith } from './http.js';
import {
  incomingFile,
  interactionChat,
  interactionUser,
  messageChat,
  optionArgs,
  stripMention,
  threadName,
} from './incoming.js';
import { InteractionChannel } from './interaction-channel.js';
import {
  AUTOCOMPLETE_DEADLINE_MS,
  BoundedMap,
  COMPLETION_CACHE_MS,
  DEFAULT_UPLOAD_BYTES,
  DISCORD_MAX_CHARS,
  discordLimits,
  MAX_CHOICE_CHARS,
  MAX_CHOICES,
} from './limits.js';
import { MessageChannel } from './message-channel.js';
import { FORM_PREFIX, modalFor, modalValues } from './modal.js';
import { clip } from './payload.js';
import { InteractionRoutingREST } from './rest.js';
import { DiscordTransport } from './transport.js';

/** Remembered per chat or user (upload limits, locales, the bot's threads). */
const REMEMBERED_CHATS = 10_000;
const REMEMBERED_COMPLETIONS = 500;
/**
 * Told once in a thread of the bot's when a member writes there without mentioning it and the
 * session has no MessageContent intent: Discord sends such a message without its text.
 */
export const MENTION_NEEDED: Localized = {
  en: 'I can only read messages here that mention me: start yours with {bot}.',
  zh: '在这里我只能读到提到我的消息：请在消息开头加上 {bot}。',
};
/** Gateway close codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes). */
const CLOSE_AUTHENTICATION_FAILED = 4004;
const CLOSE_DISALLOWED_INTENTS = 4014;
/** Closes caused by the bot's settings (token, shards, API version, intents): no retry helps. */
const SETTING_CLOSES = new Set([
  CLOSE_AUTHENTICATION_FAILED,
  4010,
  4011,
  4012,
  4013,
  CLOSE_DISALLOWED_INTENTS,
]);
/** Logged once when the portal refuses MessageContent; the bot then carries on without it. */
export const DISALLOWED_INTENT_MESSAGE =
  'Discord refused the Message Content intent (gateway close 4014 "Disallowed intent(s)"): turn on Message Content Intent under Bot → Privileged Gateway Intents in the developer portal, or set DISCORD_MESSAGE_CONTENT=off. Carrying on without it: slash commands, mentions and DMs still work; other messages in channels arrive without their text.';

export interface DiscordOptions {
  token: string;
  applicationId: string;
  /** REST base, e.g. `https://discord.com/api` (a fake's in tests). */
  apiUrl: string;
  /** Registers the slash commands in this guild only (instant, for development); global otherwise. */
  guildId?: string | undefined;
  /** The commands to publish as slash commands (`commandSummaries(commands)`). */
  commands: readonly CommandSummary[];
  log: Logger;
  /**
   * Start a thread for a conversation begun by mentioning the bot in a channel, and answer there
   * (the whole thread then continues it). Default true; false answers with a reply in place.
   */
  threads?: boolean | undefined;
  /**
   * Request the privileged MessageContent intent (DISCORD_MESSAGE_CONTENT; default true). When the
   * developer portal refuses it (close 4014) the adapter logs what to change and logs in without it.
   */
  messageContent?: boolean | undefined;
  /**
   * The gateway shards this process runs (DISCORD_SHARD_COUNT, DISCORD_SHARD_IDS). `count` auto (the
   * default): as many as Discord recommends (GET /gateway/bot), all here. A number: that many in total,
   * of which `ids` (undefined: all) run here; the other instances run the rest on the same store.
   */
  shards?: { count: number | 'auto'; ids?: number[] | undefined } | undefined;
  /** Test seam: merged over the discord.js client options (e.g. `{ waitGuildTimeout: 0 }`). */
  clientOptions?: Partial<ClientOptions> | undefined;
  /** Counts Discord's 429s for /metrics (discord.js waits them out itself). */
  metrics?: Pick<Metrics, 'platform429'> | undefined;
}

/**
 * Discord on discord.js. It only translates: slash commands, buttons, autocomplete and messages
 * that address the bot become Invocations; the core's replies become messages, interaction
 * responses and follow-ups. Every interaction is acknowledged at once; edits are paced by the
 * core's scheduler and 429s are left to discord.js's REST queue.
 */
export class DiscordPlatform implements PlatformAdapter {
  readonly name = 'discord';
  /** The REST client's rate-limit log is attached (once, however often start() runs). */
  #restWatched = false;
  /** The client was destroyed (a failed login, stop()): start() makes a new one. */
  #clientSpent = false;
  /** The gateway client; replaced by a new one (sharing the REST client) to log in again without MessageContent. */
  #client: Client;
  /** One REST client for the adapter's life, whichever gateway client is current. */
  readonly #rest: Client['rest'];
  #messageContent: boolean;
  #health: PlatformHealth = { state: 'starting' };
  /** The last unrecoverable gateway close code (4004, 4014…), read when login fails. */
  #fatalClose: number | undefined;
  readonly #transport: DiscordTransport;
  readonly #agent = createAgent();
  readonly #log: Logger;
  readonly #optionNames: Map<string, Map<string, string>>;
  readonly #uploadLimits = new BoundedMap<string, number>(REMEMBERED_CHATS);
  readonly #locales = new BoundedMap<string, string>(REMEMBERED_CHATS);
  readonly #ownThreads = new BoundedMap<string, true>(REMEMBERED_CHATS);
  /** Threads already told that the bot reads only messages that mention it (no MessageContent). */
  readonly #toldMentionNeeded = new BoundedMap<string, true>(REMEMBERED_CHATS);
  readonly #completions = new BoundedMap<string, { at: number; choices: { value: string; label: string }[] }>(
    REMEMBERED_COMPLETIONS,
  );
  #hooks: AdapterHooks | undefined;
  #stopped = false;

  constructor(private readonly options: DiscordOptions) {
    this.#log = options.log.child({ platform: 'discord' });
    this.#optionNames = optionNames(options.commands);
    this.#messageContent = options.messageContent ?? true;
    // Interaction edits and follow-ups skip discord.js's client-side global limit (Discord exempts them).
    const extraRest = options.clientOptions?.rest ?? {};
    this.#rest = new InteractionRoutingREST(options.applicationId, {
      makeRequest: makeRequestWith(this.#agent),
      ...extraRest,
      api: options.apiUrl,
    });
    this.#client = this.#newClient(this.#rest);
    // Set now, so tasks can post (channel()) before or without the gateway.
    this.#rest.setToken(options.token);
    this.#rest.on(
      RESTEvents.Response,
      (_req, res) => res.status === 429 && options.metrics?.platform429('discord'),
    );
    this.#transport = new DiscordTransport(this.#rest, this.#log, (id) => this.#uploadLimit(id));
  }

  /** The current discord.js client. */
  get client(): Client {
    return this.#client;
  }

  /** Whether the gateway session asks for MessageContent (false after a 4014 fallback). */
  get messageContent(): boolean {
    return this.#messageContent;
  }

  /** starting → up once the gateway is ready; unhealthy while it resumes or after a fatal close. */
  health(): PlatformHealth {
    return this.#health;
  }

  /** A gateway client asking for the intents configured now; `rest` (when given) replaces its own. */
  #newClient(rest?: Client['rest']): Client {
    const extra = this.options.clientOptions ?? {};
    const client = new Client({
      intents: [
        GatewayIntentBits.Guilds,
        GatewayIntentBits.GuildMessages,
        ...(this.#messageContent ? [GatewayIntentBits.MessageContent] : []),
        GatewayIntentBits.DirectMessages,
      ],
      partials: [Partials.Channel],
      allowedMentions: { parse: [], repliedUser: false },
      ...shardOptions(this.options.shards),
      ...extra,
      rest: { makeRequest: makeRequestWith(this.#agent), ...extra.rest, api: this.options.apiUrl },
    });
    if (rest) {
      client.rest.clearHashSweeper();
      client.rest.clearHandlerSweeper();
      client.rest = rest;
    }
    this.#logShards(client);
    return client;
  }

  /** Which shard (of this process's) got each interaction: with several instances, the log says who served it. */
  #logShards(client: Client): void {
    client.on(Events.ShardReady, (shard) =>
      this.#log.debug({ shard, shardCount: client.options.shardCount }, 'discord shard ready'),
    );
    client.on(Events.InteractionCreate, (i) =>
      this.#log.debug(
        {
          shard: i.guild?.shardId ?? 0,
          guild: i.guildId ?? undefined,
          chat: i.channelId ?? undefined,
          type: i.type,
        },
        'discord interaction',
      ),
    );
  }

  limits(chat: ChatRef): PlatformLimits {
    return discordLimits(this.#uploadLimit(chat.id));
  }

  channel(chat: ChatRef): ReplyChannel {
    return new MessageChannel(this.#transport, chat.id);
  }

  /** Registers the slash commands, logs in and resolves once the gateway is ready. */
  async start(hooks: AdapterHooks): Promise<void> {
    this.#hooks = hooks;
    this.#stopped = false;
    this.#health = { state: 'starting' };
    // A failed login (or stop()) destroyed the last client for good: the app's retry needs a new one.
    if (this.#clientSpent) {
      this.#client = this.#newClient(this.#rest);
      this.#clientSpent = false;
    }
    // Once, however often start() runs (the app tries a failed start again).
    if (!this.#restWatched) {
      this.#restWatched = true;
      this.#rest.on(RESTEvents.RateLimited, (info) =>
        this.#log.debug(
          {
            route: redactRoute(info.route),
            retryAfterMs: info.retryAfter,
            global: info.global,
            scope: info.scope,
          },
          'rate limited; discord.js waits and retries',
        ),
      );
    }
    if (this.options.commands.length > 0) {
      try {
        const done = await registerCommands(
          this.#rest,
          { applicationId: this.options.applicationId, guildId: this.options.guildId },
          this.options.commands,
        );
        this.#log.info(done, 'slash commands registered');
      } catch (error) {
        // The commands registered last time still work; a bad token fails the login below.
        this.#log.error({ err: loggable(error) }, 'slash commands could not be registered');
      }
    }
    try {
      await this.#login();
    } catch (error) {
      if (this.#stopped || !this.#messageContent || !this.#refusedIntents(error))
        throw this.#loginFailed(error);
      try {
        await this.#withoutMessageContent();
      } catch (again) {
        throw this.#loginFailed(again);
      }
    }
    this.#log.info(
      {
        user: this.#client.user?.username,
        messageContent: this.#messageContent,
        shards: this.#client.options.shards,
        shardCount: this.#client.options.shardCount,
      },
      'discord gateway ready',
    );
  }

  /** Closes the gateway; REST keeps working so commands still in flight (the router drains them) can reply. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#health = { state: 'stopped' };
    this.#clientSpent = true;
    await this.#client.destroy();
    this.#rest.setToken(this.options.token);
  }

  /** The portal has Message Content off: say once what to change, and log in again without it. */
  async #withoutMessageContent(): Promise<void> {
    this.#log.warn({ closeCode: CLOSE_DISALLOWED_INTENTS }, DISALLOWED_INTENT_MESSAGE);
    this.#messageContent = false;
    if (this.#stopped) return;
    this.#client = this.#newClient(this.#rest);
    await this.#login();
  }

  /** Logs the current client in; resolves once it is ready. A refused login leaves REST usable. */
  async #login(): Promise<void> {
    const client = this.#client;
    this.#fatalClose = undefined;
    this.#listen(client);
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    try {
      await client.login(this.options.token);
    } catch (error) {
      client.removeAllListeners();
      this.#clientSpent = true;
      // A failed login destroys the client, which clears the (shared) REST token.
      this.#rest.setToken(this.options.token);
      throw error;
    }
    await ready;
  }

  /** Events, and the gateway's state for health(). */
  #listen(client: Client): void {
    client.on(Events.InteractionCreate, (i) => this.#guard('interaction', () => this.#onInteraction(i)));
    client.on(Events.MessageCreate, (m) => this.#guard('message', () => this.#onMessage(m)));
    // Raw dispatches: discord.js emits messageDelete only for messages in its cache. A deleted
    // answer stops streaming (and its upstream request) at once.
    client.ws.on(GatewayDispatchEvents.MessageDelete, (d: { id?: unknown }) => {
      if (typeof d?.id === 'string') this.#transport.messageDeleted([d.id]);
    });
    client.ws.on(GatewayDispatchEvents.MessageDeleteBulk, (d: { ids?: unknown }) => {
      if (Array.isArray(d?.ids)) this.#transport.messageDeleted(d.ids.filter((id) => typeof id === 'string'));
    });
    client.on(Events.ThreadCreate, (thread) => {
      if (thread.ownerId === this.options.applicationId || thread.ownerId === client.user?.id)
        this.#ownThreads.set(thread.id, true);
    });
    client.on(Events.Error, (error) => this.#log.error({ err: loggable(error) }, 'discord client error'));
    client.on(Events.Warn, (message) => this.#log.warn({ message }, 'discord client warning'));
    let wasReady = false;
    const up = () => {
      if (!this.#stopped && this.#fatalClose === undefined) this.#health = { state: 'up' };
    };
    client.on(Events.ClientReady, () => {
      wasReady = true;
      up();
    });
    client.on(Events.ShardResume, up);
    client.on(Events.ShardReady, () => {
      if (client.isReady()) up();
    });
    client.on(Events.ShardReconnecting, () => {
      if (this.#health.state !== 'up') return;
      this.#health = { state: 'unhealthy', reason: 'gateway connection lost; resuming' };
      this.#log.warn('discord gateway connection lost; resuming');
    });
    client.on(Events.ShardDisconnect, ({ code }) => {
      this.#fatalClose = code;
      if (this.#stopped || client !== this.#client) return;
      this.#health = { state: 'unhealthy', reason: closeReason(code) };
      // Before ready, the failed login says it (start() rejects); after, this is the only word.
      if (!wasReady) return;
      if (code === CLOSE_DISALLOWED_INTENTS && this.#messageContent) {
        // Turned off in the portal while running (seen at a fresh identify): carry on without it.
        client.removeAllListeners();
        void client
          .destroy()
          .then(() => {
            this.#rest.setToken(this.options.token);
            return this.#withoutMessageContent();
          })
          .catch((error: unknown) => {
            const reason = this.#loginFailed(error).message;
            this.#log.error({ err: loggable(error) }, `discord could not log in again: ${reason}`);
          });
        return;
      }
      this.#log.error({ closeCode: code }, `discord gateway closed: ${closeReason(code)}`);
    });
  }

  #refusedIntents(error: unknown): boolean {
    return (
      this.#fatalClose === CLOSE_DISALLOWED_INTENTS ||
      (error instanceof Error && /disallowed intents/i.test(error.message))
    );
  }

  /** Why login failed, in words for /healthz and the log; health() says it too. */
  #loginFailed(error: unknown): Error {
    const status = (error as { status?: unknown } | null)?.status;
    const code = (error as { code?: unknown } | null)?.code;
    const reason =
      this.#fatalClose !== undefined
        ? closeReason(this.#fatalClose)
        : status === 401 || code === 'TokenInvalid'
          ? 'token refused (401): check DISCORD_BOT_TOKEN'
          : `login failed: ${error instanceof Error ? error.message : String(error)}`;
    if (!this.#stopped) this.#health = { state: 'unhealthy', reason };
    // A refused token or a gateway close for a setting (4004, 4010–4014) fails the same way next
    // time; an unreachable API or a 5xx may not.
    const permanent =
      status === 401 ||
      code === 'TokenInvalid' ||
      (this.#fatalClose !== undefined && SETTING_CLOSES.has(this.#fatalClose));
    return Object.assign(new Error(reason, { cause: loggable(error) }), { permanent });
  }

  #uploadLimit(channelId: string): number {
    return this.#uploadLimits.get(channelId) ?? DEFAULT_UPLOAD_BYTES;
  }

  /** An event handler's failure is logged, never thrown into discord.js (which would crash the process). */
  #guard(what: string, run: () => Promise<void>): void {
    run().catch((error: unknown) =>
      this.#log.error({ err: loggable(error), event: what }, 'discord event failed'),
    );
  }

  async #onInteraction(i: Interaction): Promise<void> {
    if (this.#stopped || !this.#hooks) return;
    const hooks = this.#hooks;
    if (i.isAutocomplete()) return this.#onAutocomplete(i, hooks);
    // A button that needs answers opens its form as a modal: that must be the press's first answer.
    // One that only changes what is shown (Stop) is acknowledged without a "thinking…".
    let quiet = false;
    if (i.isButton() && (hooks.allowed?.(interactionUser(i), interactionChat(i, i.channelId)) ?? true)) {
      const needs = await hooks.pressFor?.(i.customId, interactionUser(i));
      if (needs?.form) {
        await i.showModal(modalFor(i.customId, needs.form));
        return;
      }
      quiet = needs?.quiet === true;
    }
    if (i.isModalSubmit() && i.customId.startsWith(FORM_PREFIX)) return this.#onCommand(i, hooks);
    if (i.isChatInputCommand() || i.isButton() || i.isMessageContextMenuCommand())
      return this.#onCommand(i, hooks, quiet);
  }

  /**
   * A slash command, a button or a message context-menu command: acknowledged at once, then run;
   * its replies fill the response. Every interaction is dispatched at once, never queued behind
   * the member's running answer (a press may be that answer's Stop).
   */
  async #onCommand(
    i:
      | ChatInputCommandInteraction
      | ButtonInteraction
      | MessageContextMenuCommandInteraction
      | ModalSubmitInteraction,
    hooks: AdapterHooks,
    quiet = false,
  ): Promise<void> {
    const channelId = i.channelId;
    // Every interaction this bot registers happens in a channel; a modal's is its button's.
    if (!channelId) return;
    const user = interactionUser(i);
    const chat = interactionChat(i, channelId);
    // Someone the allow lists keep out is told so privately: a deferred reply is public or
    // ephemeral from the start, and the router's refusal fills it.
    const allowed = hooks.allowed?.(user, chat) ?? true;
    // A quiet press (decided for allowed members only) acknowledges with a deferred update: the
    // answer it acts on changes, and nothing else appears.
    if (quiet && i.isButton()) await i.deferUpdate();
    else await i.deferReply(allowed ? undefined : { flags: MessageFlags.Ephemeral });
    if (i.attachmentSizeLimit) this.#uploadLimits.set(channelId, i.attachmentSizeLimit);
    this.#locales.set(i.user.id, i.locale);
    const channel = new InteractionChannel(this.#transport, {
      applicationId: i.applicationId,
      token: i.token,
      channelId,
      createdAt: Math.min(i.createdTimestamp, Date.now()),
      deferredUpdate: quiet,
    });
    const event: Invocation['event'] = i.isButton()
      ? { type: 'button', data: i.customId }
      : i.isModalSubmit()
        ? { type: 'button', data: i.customId.slice(FORM_PREFIX.length), values: modalValues(i) }
        : i.isMessageContextMenuCommand()
          ? this.#messageCommandEvent(i)
          : {
              type: 'command',
              name: i.commandName,
              args: optionArgs(i.options.data, this.#optionNames.get(i.commandName), this.#agent),
            };
    // Refusals and errors go to the member alone. A deferred reply is public or ephemeral for
    // good, and Discord makes the first follow-up fill a deferred reply (keeping its
    // visibility): so the public "thinking…" is deleted first, then an ephemeral follow-up
    // says it. Someone refused by the allow lists already has an ephemeral reply to fill.
    let noticed = false;
    const notice = async (text: string): Promise<boolean> => {
      if (!allowed) return false;
      try {
        if (!channel.originalUsed && !noticed) await i.deleteReply();
        noticed = true;
        await i.followUp({ content: clip(text, DISCORD_MAX_CHARS), flags: MessageFlags.Ephemeral });
        return true;
      } catch (error) {
        this.#log.debug({ err: loggable(error) }, 'could not answer privately; answering in the channel');
        return false;
      }
    };
    try {
      await hooks.dispatch({
        user,
        chat,
        channel,
        notice,
        // A button's results reply to the message it is on.
        messageId: i.isButton() ? i.message.id : i.isModalSubmit() ? i.message?.id : undefined,
        event,
        // Chat-wide settings: Manage Server in a guild (what /model and /system are registered to need).
        senderIsChatAdmin: async () =>
          !i.guildId || (i.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false),
      });
    } finally {
      if (!noticed) await channel.finish();
    }
  }

  /**
   * "Describe image" runs describe on the message's first image; "Ask about this" asks the chat
   * about the message's text and images.
   */
  #messageCommandEvent(i: MessageContextMenuCommandInteraction): Invocation['event'] {
    const target = i.targetMessage;
    const files = [...target.attachments.values()].map((a) => incomingFile(a, this.#agent));
    const images = files.filter((f) => f.kind === 'image');
    const command = MESSAGE_COMMANDS.find((m) => m.name === i.commandName)?.command ?? i.commandName;
    if (command === 'describe') {
      const image = images[0];
      return { type: 'command', name: 'describe', args: image ? { image } : {} };
    }
    const botId = i.client.user.id;
    const text = stripMention(target.content, botId);
    return { type: 'command', name: command, args: text ? { prompt: text } : {}, files: images };
  }

  /** Answers within Discord's 3 s: what the completer has by then (cached per input), else nothing. */
  async #onAutocomplete(i: AutocompleteInteraction, hooks: AdapterHooks): Promise<void> {
    const focused = i.options.getFocused(true);
    const typed = String(focused.value);
    const key = [i.commandName, focused.name, i.locale, typed.toLowerCase()].join('\0');
    const cached = this.#completions.get(key);
    let choices = cached && Date.now() - cached.at < COMPLETION_CACHE_MS ? cached.choices : undefined;
    if (!choices) {
      const asked = hooks
        .complete({
          user: interactionUser(i),
          chat: interactionChat(i, i.channelId ?? 'unknown'),
          command: i.commandName,
          option: this.#optionNames.get(i.commandName)?.get(focused.name) ?? focused.name,
          typed,
        })
        .then((found) => {
          if (found.length > 0) this.#completions.set(key, { at: Date.now(), choices: found });
          return found;
        })
        .catch(() => []);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<[]>((resolve) => {
        timer = setTimeout(() => resolve([]), AUTOCOMPLETE_DEADLINE_MS);
      });
      choices = await Promise.race([asked, late]).finally(() => clearTimeout(timer));
    }
    await i.respond(
      choices
        .filter((c) => c.value.length > 0 && c.value.length <= MAX_CHOICE_CHARS)
        .slice(0, MAX_CHOICES)
        .map((c) => ({ name: clip(c.label || c.value, MAX_CHOICE_CHARS), value: c.value })),
    );
  }

  /** A message that addresses the bot: a DM, a mention, a reply to the bot, or one in the bot's thread. */
  async #onMessage(message: Message): Promise<void> {
    const hooks = this.#hooks;
    const botId = this.client.user?.id;
    if (this.#stopped || !hooks || !botId) return;
    if (message.author.bot || message.system) return;
    if (message.type !== MessageType.Default && message.type !== MessageType.Reply) return;
    const dm = !message.guildId;
    const botRole = this.#mentionedBotRole(message, botId);
    const mentioned = message.mentions.users.has(botId) || botRole !== undefined;
    const inOwnThread = this.#isOwnThread(message.channelId, botId);
    const replyTo = await this.#repliedBotMessage(message, botId);
    if (!dm && !mentioned && !inOwnThread && !replyTo) return;

    const text = stripMention(message.content, botId, botRole);
    const files = [...message.attachments.values()].map((a) => incomingFile(a, this.#agent));
    const locale = this.#locales.get(message.author.id) ?? message.guild?.preferredLocale;
    const user = {
      id: message.author.id,
      name: message.member?.displayName ?? message.author.displayName,
      locale,
    };
    let chat = messageChat(message);
    // Nothing is created for someone the allow lists keep out: the router refuses them in place.
    const allowed = hooks.allowed?.(user, chat) ?? true;
    // Nothing to read (a sticker, or a message Discord sent without its text): not a question. A
    // member's message that does not mention the bot arrives empty without MessageContent.
    if (!dm && !mentioned && !text && files.length === 0) {
      if (!this.#messageContent && allowed) await this.#tellMentionNeeded(message, botId, locale);
      return;
    }
    let messageId: string | undefined = message.id;
    if (
      this.options.threads !== false &&
      allowed &&
      mentioned &&
      !replyTo &&
      !inOwnThread &&
      this.#canThread(message)
    ) {
      const name = threadName(text, files[0]?.name ?? 'chat');
      try {
        const threadId = await this.#transport.startThread(message.channelId, message.id, name);
        this.#ownThreads.set(threadId, true);
        chat = messageChat(message, threadId);
        messageId = undefined; // the thread itself says what it answers
      } catch (error) {
        this.#log.warn({ err: loggable(error) }, 'could not start a thread; answering in the channel');
      }
    }
    await hooks.dispatch({
      user,
      chat,
      channel: new MessageChannel(this.#transport, chat.id),
      messageId,
      ...(replyTo ? { replyTo } : {}),
      event: { type: 'message', text, files },
    });
  }

  /** Once a thread: without MessageContent, a message there must mention the bot to be read. */
  async #tellMentionNeeded(message: Message, botId: string, locale: string | undefined): Promise<void> {
    if (this.#toldMentionNeeded.has(message.channelId)) return;
    this.#toldMentionNeeded.set(message.channelId, true);
    const text = t(langFromLocale(locale), MENTION_NEEDED, { bot: `<@${botId}>` });
    try {
      await this.#transport.post(message.channelId, { text, replyTo: message.id });
    } catch (error) {
      this.#log.warn({ err: loggable(error) }, 'could not say that messages here need a mention');
    }
  }

  /**
   * The bot's managed role, when the message mentions it: typing @Bot in a server often inserts
   * the role (`<@&id>`, its `tags.bot_id` the bot) rather than the user.
   */
  #mentionedBotRole(message: Message, botId: string): string | undefined {
    const guild = message.guild;
    if (!guild) return undefined;
    const tagged = message.mentions.roles.find((r) => r.tags?.botId === botId);
    if (tagged) return tagged.id;
    const own = guild.members.me?.roles.botRole ?? guild.roles.botRoleFor(botId);
    return own && message.content.includes(`<@&${own.id}>`) ? own.id : undefined;
  }

  #isOwnThread(channelId: string, botId: string): boolean {
    if (this.#ownThreads.has(channelId)) return true;
    const channel = this.client.channels.cache.get(channelId);
    return Boolean(channel?.isThread() && channel.ownerId === botId);
  }

  /** Threads start from messages in ordinary text and announcement channels. */
  #canThread(message: Message): boolean {
    const type = message.channel.type;
    return (
      Boolean(message.guildId) && (type === ChannelType.GuildText || type === ChannelType.GuildAnnouncement)
    );
  }

  /** The bot's message this one replies to, if it replies to one. */
  async #repliedBotMessage(
    message: Message,
    botId: string,
  ): Promise<{ messageId: string; fromBot: boolean; text?: string | undefined } | undefined> {
    const id = message.reference?.messageId;
    if (!id) return undefined;
    // Discord sends the replied-to message's author along; only an unknown one costs a request.
    const repliedUser = message.mentions.repliedUser;
    if (repliedUser && repliedUser.id !== botId) return undefined;
    let author = repliedUser?.id;
    let text = message.channel.messages.cache.get(id)?.content;
    if (author === undefined || text === undefined) {
      try {
        const fetched = await this.#transport.fetchMessage(
          message.reference?.channelId ?? message.channelId,
          id,
        );
        author = fetched.author.id;
        text = fetched.content;
      } catch (error) {
        this.#log.debug({ err: loggable(error) }, 'could not read the replied-to message');
        if (author === undefined) return undefined;
      }
    }
    if (author !== botId) return undefined;
    return { messageId: id, fromBot: true, ...(text ? { text } : {}) };
  }
}

/** A fatal gateway close code in words. */
function closeReason(code: number): string {
  if (code === CLOSE_AUTHENTICATION_FAILED)
    return 'token refused by the gateway (4004): check DISCORD_BOT_TOKEN';
  if (code === CLOSE_DISALLOWED_INTENTS)
    return 'Message Content intent not enabled in the developer portal (4014)';
  return `gateway closed the connection (${code})`;
}

/** discord.js options for the configured shards: `auto` by default, else the total and this process's ids. */
function shardOptions(shards: DiscordOptions['shards']): Pick<ClientOptions, 'shards' | 'shardCount'> {
  if (shards === undefined || shards.count === 'auto') return { shards: 'auto' };
  const count = shards.count;
  return { shards: shards.ids ?? Array.from({ length: count }, (_, i) => i), shardCount: count };
}
