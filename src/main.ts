import { randomBytes } from 'node:crypto';
import { commands } from '../commands/index.js';
import { createApp } from './app.js';
import { type Config, ConfigError, loadConfig, loadDotEnv, NO_PLATFORM_MESSAGE } from './config.js';
import { commandSummaries } from './core/command.js';
import type { PlatformAdapter } from './core/platform.js';
import type { Store } from './core/store.js';
import { createLogger } from './log.js';
import { PromMetrics } from './metrics.js';
import { ConsolePlatform } from './platforms/console/console-platform.js';
import { connectStore } from './store/index.js';
import { connectSharedBudget } from './store/shared-budget.js';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** Reads the environment, fails fast on bad configuration (exit 2), runs until a signal. */
async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const consoleMode = argv.includes('--console');
  try {
    loadDotEnv();
  } catch (e) {
    fail(`.env could not be read: ${(e as Error).message}`);
  }
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
  if (!consoleMode && !config.telegram && !config.discord) fail(NO_PLATFORM_MESSAGE);

  const log = createLogger({
    level: config.logLevel,
    secrets: [config.apicore.apiKey, config.telegram?.token, config.discord?.token],
  });
  // Last line of defence. A rejection nobody handled is a bug, but it is said (through the token
  // scrubbing logger) and does not take every platform down with it; a throw still ends the
  // process, after one line saying why.
  process.on('unhandledRejection', (reason) => {
    log.error({ err: reason }, 'unhandled promise rejection (a bug); the bot runs on');
  });
  process.on('uncaughtExceptionMonitor', (error, origin) => {
    log.fatal({ err: error, origin }, 'uncaught exception; exiting');
    log.flush();
  });
  // Platform libraries load only when their platform is on: discord.js alone takes a few hundred ms.
  const adapters: PlatformAdapter[] = [];
  const metrics = new PromMetrics();
  const consolePlatform = consoleMode
    ? new ConsolePlatform({ input: process.stdin, output: process.stdout, locale: env.LANG })
    : undefined;
  if (consolePlatform) adapters.push(consolePlatform);
  const summaries = commandSummaries(commands);
  if (config.telegram) {
    const { token, apiRoot, webhook } = config.telegram;
    const { TelegramPlatform } = await import('./platforms/telegram/telegram-platform.js');
    adapters.push(
      new TelegramPlatform({
        token,
        apiRoot,
        commands: summaries,
        log: log.child({ platform: 'telegram' }),
        metrics,
        // Without a configured secret, a fresh one each start: setWebhook sends it to Telegram every time.
        webhook: webhook
          ? { ...webhook, secret: webhook.secret ?? randomBytes(24).toString('base64url') }
          : undefined,
      }),
    );
  }
  if (config.discord) {
    const { DiscordPlatform } = await import('./platforms/discord/discord-platform.js');
    adapters.push(
      new DiscordPlatform({
        ...config.discord,
        commands: summaries,
        log, // the adapter adds its own platform field
        metrics,
      }),
    );
  }
  let store: Store;
  try {
    store = await connectStore(config.storeUrl, { log });
  } catch (e) {
    fail(`STORE_URL could not be opened: ${(e as Error).message}`);
  }
  // Several instances on one Redis share each chat's budget and the platform's bot-wide budget.
  let sharedBudget: Awaited<ReturnType<typeof connectSharedBudget>> | undefined;
  if (config.storeUrl.startsWith('redis://') || config.storeUrl.startsWith('rediss://')) {
    try {
      sharedBudget = await connectSharedBudget(config.storeUrl, log.child({ component: 'pacing' }));
    } catch (e) {
      fail(`STORE_URL could not be opened: ${(e as Error).message}`);
    }
  }
  const app = createApp({
    config,
    log,
    adapters,
    store,
    sharedBudget,
    healthPort: config.healthPort,
    metrics,
  });
  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'shutting down');
    await app.stop();
    log.flush();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await app.start();
  if (consolePlatform) {
    await consolePlatform.finished;
    await app.poller.idle();
    await shutdown('input ended');
  }
}

main(process.argv.slice(2), process.env).catch((error: unknown) => {
  process.stderr.write(`fatal: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
