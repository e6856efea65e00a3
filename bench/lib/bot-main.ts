/**
 * A what-if entry point: `src/main.ts`'s wiring (createApp with the Telegram and/or Discord
 * adapter, same config, logger and store) with one knob turned, to measure a proposed fix
 * without editing src/. The bench bundles it like dist/main.mjs and uses it only for its
 * "what-if" rows; every other row runs what `npm start` runs.
 *
 * - BENCH_DISCORD_GLOBAL_RPS: discord.js's client-side global limit (`rest.globalRequestsPerSecond`, 50).
 */
import { commands } from '../../commands/index.js';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { commandSummaries } from '../../src/core/command.js';
import type { PlatformAdapter } from '../../src/core/platform.js';
import { createLogger } from '../../src/log.js';
import { connectStore } from '../../src/store/index.js';

const config = loadConfig(process.env);
const log = createLogger({
  level: config.logLevel,
  secrets: [config.apicore.apiKey, config.telegram?.token, config.discord?.token],
});
const summaries = commandSummaries(commands);
const adapters: PlatformAdapter[] = [];
if (config.telegram) {
  const { TelegramPlatform } = await import('../../src/platforms/telegram/telegram-platform.js');
  const telegram = new TelegramPlatform({
    token: config.telegram.token,
    apiRoot: config.telegram.apiRoot,
    commands: summaries,
    log: log.child({ platform: 'telegram' }),
  });
  adapters.push(telegram);
}
if (config.discord) {
  const { DiscordPlatform } = await import('../../src/platforms/discord/discord-platform.js');
  const rps = process.env.BENCH_DISCORD_GLOBAL_RPS;
  adapters.push(
    new DiscordPlatform({
      ...config.discord,
      commands: summaries,
      log: log.child({ platform: 'discord' }),
      ...(rps ? { clientOptions: { rest: { globalRequestsPerSecond: Number(rps) } } } : {}),
    }),
  );
}
const store = await connectStore(config.storeUrl, { log });
const app = createApp({ config, log, adapters, store });
process.once('SIGTERM', () => {
  void app.stop().then(() => process.exit(0));
});
await app.start();
