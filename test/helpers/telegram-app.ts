import { commands } from '../../commands/index.js';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { commandSummaries } from '../../src/core/command.js';
import { createLogger } from '../../src/log.js';
import { TelegramPlatform } from '../../src/platforms/telegram/telegram-platform.js';
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
    commands: commandSummaries(commands),
    log,
    botInfo: tg.botInfo,
    retry: { maxRetryAttempts: 2, maxDelaySeconds: 2 },
    pollTimeoutSeconds: 1,
    ...(options.draftLifetimeMs !== undefined ? { draftLifetimeMs: options.draftLifetimeMs } : {}),
    ...(options.webhook ? { webhook: { url: 'https://bot.example/webhook', ...options.webhook } } : {}),
  });
  const app = createApp({ config, log, adapters: [platform], store: memoryStore() });
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
