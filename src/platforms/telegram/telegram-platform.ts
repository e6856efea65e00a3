import { autoRetry } from '@grammyjs/auto-retry';
import { Bot, type Context } from 'grammy';
import type { BotCommand, UserFromGetMe } from 'grammy/types';
import type { Logger } from 'pino';
import { STOP_COMMAND } from '../../core/command.js';
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
import { type DraftSupport, retryExcept, TelegramChannel } from './channel.js';
import { ChatAdmins } from './chat-admins.js';
import { type ConnectionTiming, TelegramConnection, type UpdateKind } from './connection.js';
import { listenForMessages } from './handlers.js';
import { undiciFetch } from './http.js';
import { chatRef, type Incoming } from './incoming.js';
import { KeyedQueue } from './keyed-queue.js';
import { telegramLimits } from './limits.js';

/** Telegram: command names are 1–32 of a-z0-9_; descriptions 1–256 characters. */
const COMMAND_NAME = /^[a-z0-9_]{1,32}$/;
/** The updates the bot asks Telegram for, by long polling or webhook alike. */
const ALLOWED_UPDATES: readonly UpdateKind[] = ['message', 'callback_query', 'stopped_message_generation'];

export interface TelegramOptions {
  token: string;
  apiRoot: string;
  commands: readonly CommandSummary[];
  log: Logger;
  /** Webhook mode: Telegram posts updates to this URL; the bot listens on `port`. */
  webhook?: { url: string; port: number; secret: string } | undefined;
  /** Skips getMe at start (tests, or a known bot). */
  botInfo?: UserFromGetMe | undefined;
  /** Bounded retries of 429s and 5xx (the auto-retry plugin's defaults are infinite). */
  retry?: { maxRetryAttempts: number; maxDelaySeconds: number } | undefined;
  /** Long-polling timeout in seconds. */
  pollTimeoutSeconds?: number | undefined;
  /** How long a draft preview lasts without an update (Telegram: 30 s; tests shorten it). */
  draftLifetimeMs?: number | undefined;
  /** Deadline of a Bot API call and the backoff between retries when it cannot be reached (tests shorten them). */
  connection?: Partial<ConnectionTiming> | undefined;
  /** Counts Telegram's 429s for /metrics. */
  metrics?: Pick<Metrics, 'platform429'> | undefined;
}

/**
 * Telegram on grammY. Long polling through grammY's runner (updates are handled concurrently, so
 * one slow chat never blocks the others), or a webhook that checks Telegram's secret token. It
 * only translates: updates become Invocations, replies become Bot API calls.
 */
export class TelegramPlatform implements PlatformAdapter {
  readonly name = 'telegram';
  readonly #bot: Bot;
  readonly #drafts: DraftSupport = { supported: true };
  /** One queue per member of a chat: their messages are answered in order, others' in parallel. */
  readonly #queue = new KeyedQueue();
  /** Who administers which group (getChatMember, cached), for chat-wide settings. */
  readonly #admins: ChatAdmins;
  /** The Bot API link: first contact, polling or webhook, retries and health. */
  #connection: TelegramConnection | undefined;

  constructor(private readonly options: TelegramOptions) {
    this.#bot = new Bot(options.token, {
      // undici instead of grammY's default node-fetch: about a third less CPU per Bot API call (http.ts).
      client: { apiRoot: options.apiRoot, fetch: undiciFetch() },
      ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    });
    this.#admins = new ChatAdmins(this.#bot.api, options.log);
    // Installed first, so it sits under auto-retry and sees every 429 that auto-retry then waits out.
    this.#bot.api.config.use(async (prev, method, payload, signal) => {
      const res = await prev(method, payload, signal);
      if (!res.ok && res.error_code === 429) {
        options.metrics?.platform429('telegram');
        const chat = (payload as { chat_id?: number | string }).chat_id;
        options.log.warn(
          {
            method,
            chat: chat === undefined ? undefined : String(chat),
            retryAfter: res.parameters?.retry_after,
            error: res.description,
          },
          'telegram rate limit; waiting before trying again',
        );
      }
      return res;
    });
    // Drafts and "typing…" are never retried: a failed draft falls back to a message at once.
    this.#bot.api.config.use(
      retryExcept(
        autoRetry({
          maxRetryAttempts: options.retry?.maxRetryAttempts ?? 3,
          maxDelaySeconds: options.retry?.maxDelaySeconds ?? 60,
        }),
      ),
    );
  }

  limits(chat: ChatRef): PlatformLimits {
    const limits = telegramLimits(chat);
    const draftLifetimeMs = this.options.draftLifetimeMs;
    return draftLifetimeMs !== undefined && limits.draftLifetimeMs !== undefined
      ? { ...limits, draftLifetimeMs }
      : limits;
  }

  channel(chat: ChatRef): ReplyChannel {
    return new TelegramChannel(
      this.#bot.api,
      Number(chat.id),
      chat.kind === 'private',
      this.#drafts,
      this.options.log,
      chat.threadId !== undefined ? Number(chat.threadId) : undefined,
    );
  }

  /** The address of the webhook server (tests bind port 0). */
  get webhookAddress(): string | undefined {
    return this.#connection?.webhookAddress;
  }

  async start(hooks: AdapterHooks): Promise<void> {
    const { log } = this.options;
    // Nothing here waits for Telegram: the bot's identity (ctx.me) is known before updates flow.
    const source = { api: this.#bot.api, apiRoot: this.options.apiRoot, token: this.options.token };
    // Messages (albums gathered first) and button presses (errors answered as alerts).
    listenForMessages(this.#bot, {
      source,
      log,
      admins: this.#admins,
      channel: (chat) => this.channel(chat),
      dispatch: (incoming: Incoming, key: string, channel: ReplyChannel) =>
        this.#queue.run(key, () => hooks.dispatch({ ...incoming, channel })),
    });
    // The stop button of a draft sent with can_stop: runs the stop command now, unqueued.
    this.#bot.on('stopped_message_generation', (ctx) => {
      const stop = ctx.update.stopped_message_generation;
      const chat = chatRef(stop.chat);
      const invocation: Invocation = {
        user: { id: String(stop.chat.id), name: stop.chat.first_name },
        chat,
        channel: this.channel(chat),
        event: { type: 'command', name: STOP_COMMAND, args: { draft: stop.draft_id } },
      };
      void hooks.dispatch(invocation);
    });
    this.#bot.catch((err) =>
      log.error({ err: err.error, update: err.ctx.update.update_id }, 'telegram update failed'),
    );

    // getMe, the command menu, then the webhook or long polling; failures are logged, shown on
    // /healthz and retried in the background (see TelegramConnection), never thrown from here.
    this.#connection = new TelegramConnection({
      bot: this.#bot,
      token: this.options.token,
      apiRoot: this.options.apiRoot,
      log,
      webhook: this.options.webhook,
      allowedUpdates: ALLOWED_UPDATES,
      pollTimeoutSeconds: this.options.pollTimeoutSeconds,
      timing: this.options.connection,
      onConnected: () => this.#publishCommands(),
    });
    await this.#connection.start();
  }

  async #publishCommands(): Promise<void> {
    const list = (lang: 'en' | 'zh'): BotCommand[] =>
      this.options.commands
        .filter((c) => COMMAND_NAME.test(c.name))
        .map((c) => ({ command: c.name, description: c.description[lang].slice(0, 256) }));
    try {
      await this.#bot.api.setMyCommands(list('en'));
      await this.#bot.api.setMyCommands(list('zh'), { language_code: 'zh' });
    } catch (error) {
      this.options.log.warn({ err: error }, 'could not publish the command menu');
    }
  }

  /** Starting, up, or unhealthy with the reason (unreachable, 409 conflict, token refused). */
  health(): PlatformHealth {
    return this.#connection?.health() ?? { state: 'starting' };
  }

  healthy(): boolean {
    return this.health().state === 'up';
  }

  async stop(): Promise<void> {
    await this.#connection?.stop();
  }

  /** The grammY bot, for tests that need its API. */
  get bot(): Bot<Context> {
    return this.#bot;
  }
}
