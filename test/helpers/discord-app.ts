import { commands } from '../../commands/index.js';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { type AnyCommand, commandSummaries } from '../../src/core/command.js';
import { createLogger } from '../../src/log.js';
import { DiscordPlatform } from '../../src/platforms/discord/discord-platform.js';
import type { Clock } from '../../src/render/scheduler.js';
import { memoryStore } from '../../src/store/index.js';
import { FAKE_API_KEY, type FakeApiCore } from '../fakes/apicore.js';
import { DEFAULT_GUILD_ID, FakeDiscord, type FakeDiscordOptions } from '../fakes/discord.js';

export interface DiscordRun {
  discord: FakeDiscord;
  app: App;
  platform: DiscordPlatform;
  /** Log lines (JSON) the app wrote. Not scrubbed of secrets, so tests can assert none leak. */
  logs: string[];
  stop(): Promise<void>;
}

/**
 * Runs the bot with its Discord platform in-process: the real discord.js Client against the
 * loopback fake Discord, commands against the fake APICore, a memory store, fast task polling.
 */
export async function startDiscordApp(
  apicore: FakeApiCore,
  options: {
    discord?: FakeDiscordOptions;
    env?: Record<string, string>;
    /** The commands to run (default: the bot's own). */
    commands?: readonly AnyCommand[];
    /** The pacing and polling clock (a fast one lets a long flow through its budgets). */
    clock?: Clock;
  } = {},
): Promise<DiscordRun> {
  const discord = await FakeDiscord.start(options.discord);
  const logs: string[] = [];
  const config = loadConfig({
    APICORE_API_KEY: FAKE_API_KEY,
    APICORE_BASE_URL: apicore.url,
    DISCORD_BOT_TOKEN: discord.token,
    DISCORD_APPLICATION_ID: discord.applicationId,
    DISCORD_API_URL: discord.restBase,
    DISCORD_GUILD_ID: DEFAULT_GUILD_ID,
    STORE_URL: 'memory',
    DEFAULT_MODEL: 'gpt-4o-mini',
    TASK_POLL_INTERVAL_MS: '100',
    ...options.env,
  });
  const log = createLogger({
    level: 'debug',
    secrets: [],
    destination: { write: (s: string) => logs.push(s) } as unknown as NodeJS.WritableStream,
  });
  const discordConfig = config.discord!;
  const platform = new DiscordPlatform({
    token: discordConfig.token,
    applicationId: discordConfig.applicationId,
    apiUrl: discordConfig.apiUrl,
    guildId: discordConfig.guildId,
    messageContent: discordConfig.messageContent,
    commands: commandSummaries(options.commands ?? commands),
    log,
    clientOptions: { waitGuildTimeout: 0 },
  });
  const app = createApp({
    config,
    log,
    adapters: [platform],
    store: memoryStore(),
    ...(options.commands ? { commands: options.commands } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  await app.start();
  await discord.waitForReady();
  return {
    discord,
    app,
    platform,
    logs,
    async stop() {
      await app.stop(1000);
      await discord.close();
    },
  };
}

/** The bot in one test guild whose text channels are `channels` (name → id). */
export function startGuildApp(apicore: FakeApiCore, channels: Record<string, string>): Promise<DiscordRun> {
  return startDiscordApp(apicore, {
    discord: {
      guilds: [
        {
          id: DEFAULT_GUILD_ID,
          name: 'Test Guild',
          channels: Object.entries(channels).map(([name, id]) => ({ id, name })),
        },
      ],
    },
  });
}

/** The webhook PATCHes made with one interaction's token. */
export function webhookPatches(discord: FakeDiscord, token: string) {
  return discord.calls.filter(
    (c) => c.method === 'PATCH' && c.path.startsWith(`/webhooks/${discord.applicationId}/${token}/`),
  );
}
