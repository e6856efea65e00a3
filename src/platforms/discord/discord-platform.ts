import {
  type AutocompleteInteraction,
  type ButtonInteraction,
  ChannelType,
  type ChatInputCommandInteraction,
  Client,
  type ClientOptions,
  Events,
  GatewayIntentBits,
  type Interaction,
  type Message,
  MessageType,
  Partials,
  RESTEvents,
} from 'discord.js';
import type { Logger } from 'pino';
import type {
  AdapterHooks,
  ChatRef,
  CommandSummary,
  Invocation,
  PlatformAdapter,
  PlatformLimits,
  ReplyChannel,
} from '../../core/platform.js';
import { optionNames, registerCommands } from './commands-json.js';
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
  discordLimits,
  MAX_CHOICE_CHARS,
  MAX_CHOICES,
} from './limits.js';
import { MessageChannel } from './message-channel.js';
import { clip } from './payload.js';
import { DiscordTransport } from './transport.js';

/** Remembered per chat or user (upload limits, locales, the bot's threads). */
const REMEMBERED_CHATS = 10_000;
const REMEMBERED_COMPLETIONS = 500;

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
  /** Test seam: merged over the discord.js client options (e.g. `{ waitGuildTimeout: 0 }`). */
  clientOptions?: Partial<ClientOptions> | undefined;
}

/**
 * Discord on discord.js. It only translates: slash commands, buttons, autocomplete and messages
 * that address the bot become Invocations; the core's replies become messages, interaction
 * responses and follow-ups. Every interaction is acknowledged at once; edits are paced by the
 * core's scheduler and 429s are left to discord.js's REST queue.
 */
export class DiscordPlatform implements PlatformAdapter {
  readonly name = 'discord';
  readonly client: Client;
  readonly #transport: DiscordTransport;
  readonly #agent = createAgent();
  readonly #log: Logger;
  readonly #optionNames: Map<string, Map<string, string>>;
  readonly #uploadLimits = new BoundedMap<string, number>(REMEMBERED_CHATS);
  readonly #locales = new BoundedMap<string, string>(REMEMBERED_CHATS);
  readonly #ownThreads = new BoundedMap<string, true>(REMEMBERED_CHATS);
  readonly #completions = new BoundedMap<string, { at: number; choices: { value: string; label: string }[] }>(
    REMEMBERED_COMPLETIONS,
  );
  #hooks: AdapterHooks | undefined;
  #stopped = false;

  constructor(private readonly options: DiscordOptions) {
    this.#log = options.log.child({ platform: 'discord' });
    this.#optionNames = optionNames(options.commands);
    const extra = options.clientOptions ?? {};
    this.client = new Client({
      intents: [
        GatewayIntentBits.Guilds,
        GatewayIntentBits.GuildMessages,
        GatewayIntentBits.MessageContent,
        GatewayIntentBits.DirectMessages,
      ],
      partials: [Partials.Channel],
      allowedMentions: { parse: [], repliedUser: false },
      ...extra,
      rest: { makeRequest: makeRequestWith(this.#agent), ...extra.rest, api: options.apiUrl },
    });
    // Set now, so tasks can post (channel()) before or without the gateway.
    this.client.rest.setToken(options.token);
    this.#transport = new DiscordTransport(this.client.rest, this.#log, (id) => this.#uploadLimit(id));
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
    const client = this.client;
    client.on(Events.InteractionCreate, (i) => this.#guard('interaction', () => this.#onInteraction(i)));
    client.on(Events.MessageCreate, (m) => this.#guard('message', () => this.#onMessage(m)));
    client.on(Events.ThreadCreate, (thread) => {
      if (thread.ownerId === this.options.applicationId || thread.ownerId === client.user?.id)
        this.#ownThreads.set(thread.id, true);
    });
    client.on(Events.Error, (error) => this.#log.error({ err: loggable(error) }, 'discord client error'));
    client.on(Events.Warn, (message) => this.#log.warn({ message }, 'discord client warning'));
    client.rest.on(RESTEvents.RateLimited, (info) =>
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
    if (this.options.commands.length > 0) {
      try {
        const done = await registerCommands(
          client.rest,
          { applicationId: this.options.applicationId, guildId: this.options.guildId },
          this.options.commands,
        );
        this.#log.info(done, 'slash commands registered');
      } catch (error) {
        // The commands registered last time still work; a bad token fails the login below.
        this.#log.error({ err: loggable(error) }, 'slash commands could not be registered');
      }
    }
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(this.options.token);
    await ready;
    this.#log.info({ user: client.user?.username }, 'discord gateway ready');
  }

  /** Closes the gateway; REST keeps working so commands still in flight (the router drains them) can reply. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.client.destroy();
    this.client.rest.setToken(this.options.token);
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
    if (i.isAutocomplete()) return this.#onAutocomplete(i, this.#hooks);
    if (i.isChatInputCommand() || i.isButton()) return this.#onCommand(i, this.#hooks);
  }

  /** A slash command or a button: acknowledged at once, then run; its replies fill the response. */
  async #onCommand(i: ChatInputCommandInteraction | ButtonInteraction, hooks: AdapterHooks): Promise<void> {
    await i.deferReply();
    const channelId = i.channelId;
    if (i.attachmentSizeLimit) this.#uploadLimits.set(channelId, i.attachmentSizeLimit);
    this.#locales.set(i.user.id, i.locale);
    const channel = new InteractionChannel(this.#transport, {
      applicationId: i.applicationId,
      token: i.token,
      channelId,
      createdAt: Math.min(i.createdTimestamp, Date.now()),
    });
    const event: Invocation['event'] = i.isButton()
      ? { type: 'button', data: i.customId }
      : {
          type: 'command',
          name: i.commandName,
          args: optionArgs(i.options.data, this.#optionNames.get(i.commandName), this.#agent),
        };
    try {
      await hooks.dispatch({
        user: interactionUser(i),
        chat: interactionChat(i, channelId),
        channel,
        // A button's results reply to the message it is on.
        messageId: i.isButton() ? i.message.id : undefined,
        event,
      });
    } finally {
      await channel.finish();
    }
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
    const mentioned = message.mentions.users.has(botId);
    const inOwnThread = this.#isOwnThread(message.channelId, botId);
    const replyTo = await this.#repliedBotMessage(message, botId);
    if (!dm && !mentioned && !inOwnThread && !replyTo) return;

    const text = stripMention(message.content, botId);
    const files = [...message.attachments.values()].map((a) => incomingFile(a, this.#agent));
    const locale = this.#locales.get(message.author.id) ?? message.guild?.preferredLocale;
    let chat = messageChat(message);
    let messageId: string | undefined = message.id;
    if (this.options.threads !== false && mentioned && !replyTo && !inOwnThread && this.#canThread(message)) {
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
      user: {
        id: message.author.id,
        name: message.member?.displayName ?? message.author.displayName,
        locale,
      },
      chat,
      channel: new MessageChannel(this.#transport, chat.id),
      messageId,
      ...(replyTo ? { replyTo } : {}),
      event: { type: 'message', text, files },
    });
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
