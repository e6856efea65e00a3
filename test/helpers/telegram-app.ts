import { commands } from '../../commands/index.js';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { type AnyCommand, commandSummaries } from '../../src/core/command.js';
import type { Store } from '../../src/core/store.js';
import { createLogger } from '../../src/log.js';
import { TelegramPlatform } from '../../src/platforms/telegram/telegram-platform.js';
import type { Clock } from '../../src/render/scheduler.js';
import { memoryStore } from '../../src/store/index.js';
import { FAKE_API_KEY, type FakeApiCore } from '../fakes/apicore.js';
import type { FakeTelegram } from '../fakes/telegram.js';

export interface TelegramRun {
  app: App;
  platform: TelegramPlatform;
  logs: string[];
  stop(): Promise<void>;
}

/** The bot on Telegram, in-process, against the fake Bot API and the fake APICore. */
export async function startTelegramBot(
  tg: FakeTelegram,
  apicore: FakeApiCore,
  options: {
    webhook?: { port: number; secret: string };
    /** More environment variables (RATE_LIMIT_PER_MINUTE, ADMIN_USERS, ...). */
    env?: Record<string, string>;
    /** The draft preview's lifetime the bot plans for (give the fake the same `draftLifetimeMs`). */
    draftLifetimeMs?: number;
    /** The commands to run (default: the bot's own). */
    commands?: readonly AnyCommand[];
    /** The pacing and polling clock (a fast one lets a long group flow through its budgets). */
    clock?: Clock;
    /** The store (default: a fresh memory store); a SQLite file lets a restart find its tasks. */
    store?: Store;
  } = {},
): Promise<TelegramRun> {
  const logs: string[] = [];
  const config = loadConfig({
    APICORE_API_KEY: FAKE_API_KEY,
    APICORE_BASE_URL: apicore.url,
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    STORE_URL: 'memory',
    TASK_POLL_INTERVAL_MS: '100',
    ...options.env,
  });
  const log = createLogger({
    level: 'debug',
    secrets: [FAKE_API_KEY, tg.token],
    destination: { write: (s: string) => logs.push(s) } as unknown as NodeJS.WritableStream,
  });
  const platform = new TelegramPlatform({
    token: tg.token,
    apiRoot: tg.apiRoot,
    commands: commandSummaries(options.commands ?? commands),
    log,
    botInfo: tg.botInfo,
    retry: { maxRetryAttempts: 2, maxDelaySeconds: 2 },
    pollTimeoutSeconds: 1,
    ...(options.draftLifetimeMs !== undefined ? { draftLifetimeMs: options.draftLifetimeMs } : {}),
    ...(options.webhook ? { webhook: { url: 'https://bot.example/webhook', ...options.webhook } } : {}),
  });
  const app = createApp({
    config,
    log,
    adapters: [platform],
    store: options.store ?? memoryStore(),
    ...(options.commands ? { commands: options.commands } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  await app.start();
  return {
    app,
    platform,
    logs,
    async stop() {
      await app.stop(2000);
    },
  };
}
