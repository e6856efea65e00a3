import { createServer, type Server } from 'node:http';
import { autoRetry } from '@grammyjs/auto-retry';
import { type RunnerHandle, run } from '@grammyjs/runner';
import { Bot, type Context, webhookCallback } from 'grammy';
import type { BotCommand, UserFromGetMe } from 'grammy/types';
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
import { type DraftSupport, TelegramChannel } from './channel.js';
import { chatRef, type Incoming, translateMessage, userRef } from './incoming.js';
import { KeyedQueue } from './keyed-queue.js';
import { telegramLimits } from './limits.js';

/** Telegram: command names are 1–32 of a-z0-9_; descriptions 1–256 characters. */
const COMMAND_NAME = /^[a-z0-9_]{1,32}$/;

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
  #runner: RunnerHandle | undefined;
  #server: Server | undefined;

  constructor(private readonly options: TelegramOptions) {
    this.#bot = new Bot(options.token, {
      client: { apiRoot: options.apiRoot },
      ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    });
    // Installed first, so it sits under auto-retry and sees every 429 that auto-retry then waits out.
    this.#bot.api.config.use(async (prev, method, payload, signal) => {
      const res = await prev(method, payload, signal);
      if (!res.ok && res.error_code === 429) {
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
    this.#bot.api.config.use(
      autoRetry({
        maxRetryAttempts: options.retry?.maxRetryAttempts ?? 3,
        maxDelaySeconds: options.retry?.maxDelaySeconds ?? 60,
      }),
    );
  }

  limits(chat: ChatRef): PlatformLimits {
    return telegramLimits(chat);
  }

  channel(chat: ChatRef): ReplyChannel {
    return new TelegramChannel(
      this.#bot.api,
      Number(chat.id),
      chat.kind === 'private',
      this.#drafts,
      this.options.log,
    );
  }

  /** The address of the webhook server (tests bind port 0). */
  get webhookAddress(): string | undefined {
    const a = this.#server?.address();
    return a && typeof a === 'object' ? `http://127.0.0.1:${a.port}` : undefined;
  }

  async start(hooks: AdapterHooks): Promise<void> {
    const { log } = this.options;
    await this.#bot.init();
    const me = this.#bot.botInfo;
    const source = { api: this.#bot.api, apiRoot: this.options.apiRoot, token: this.options.token };
    const dispatch = (incoming: Incoming, key: string) => {
      const invocation: Invocation = { ...incoming, channel: this.channel(incoming.chat) };
      // Not awaited: the update is acknowledged at once (a webhook must answer quickly).
      void this.#queue.run(key, () => hooks.dispatch(invocation));
    };

    this.#bot.on('message', (ctx) => {
      const incoming = translateMessage(ctx.message, me, source);
      if (incoming) dispatch(incoming, `${incoming.chat.id}:${incoming.user.id}`);
    });
    this.#bot.on('callback_query:data', async (ctx) => {
      // Answered at once, so the button stops spinning; the command's replies follow.
      await ctx
        .answerCallbackQuery()
        .catch((e: unknown) => log.warn({ err: e }, 'answerCallbackQuery failed'));
      const message = ctx.callbackQuery.message;
      if (!message) return;
      const chat = chatRef(message.chat);
      const incoming: Incoming = {
        user: userRef(ctx.from),
        chat,
        messageId: String(message.message_id),
        event: { type: 'button', data: ctx.callbackQuery.data },
      };
      dispatch(incoming, `${chat.id}:${ctx.from.id}`);
    });
    this.#bot.catch((err) =>
      log.error({ err: err.error, update: err.ctx.update.update_id }, 'telegram update failed'),
    );

    await this.#publishCommands();
    const webhook = this.options.webhook;
    if (webhook) {
      const handle = webhookCallback(this.#bot, 'http', { secretToken: webhook.secret });
      this.#server = createServer((req, res) => {
        handle(req, res).catch((e: unknown) => {
          log.warn({ err: e }, 'webhook request failed');
          if (!res.headersSent) res.writeHead(500).end();
        });
      });
      await new Promise<void>((resolve) => this.#server!.listen(webhook.port, resolve));
      await this.#bot.api.setWebhook(webhook.url, {
        secret_token: webhook.secret,
        allowed_updates: ['message', 'callback_query'],
      });
      log.info({ port: webhook.port }, 'telegram webhook listening');
    } else {
      await this.#bot.api.deleteWebhook();
      this.#runner = run(this.#bot, {
        runner: {
          fetch: {
            timeout: this.options.pollTimeoutSeconds ?? 30,
            allowed_updates: ['message', 'callback_query'],
          },
          silent: true,
        },
      });
      log.info({ bot: me.username }, 'telegram long polling');
    }
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

  healthy(): boolean {
    return this.#runner ? this.#runner.isRunning() : this.#server?.listening === true;
  }

  async stop(): Promise<void> {
    if (this.#runner?.isRunning()) await this.#runner.stop();
    if (this.#server) await new Promise<void>((resolve) => this.#server!.close(() => resolve()));
  }

  /** The grammY bot, for tests that need its API. */
  get bot(): Bot<Context> {
    return this.#bot;
  }
}
