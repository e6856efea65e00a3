/**
 * `npm run register`: publishes the bot's slash commands to Discord and exits. Reads the same
 * environment (and `.env`) as the bot; with DISCORD_GUILD_ID the commands go to that guild only
 * (instant, for development), otherwise globally. Like main, this is a composition root: it is
 * it knows the command list, so it lives beside main, not under platforms.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REST } from 'discord.js';
import { commands } from '../commands/index.js';
import { type Config, ConfigError, loadConfig, loadDotEnv } from './config.js';
import { commandSummaries } from './core/command.js';
import { createLogger } from './log.js';
import { registerCommands } from './platforms/discord/commands-json.js';
import { createAgent, makeRequestWith } from './platforms/discord/http.js';

export interface RegisterOptions {
  /** Where log lines go (standard error by default). */
  destination?: NodeJS.WritableStream | undefined;
  /** Reads `.env` first, as the bot does (default true; tests pass false). */
  dotEnv?: boolean | undefined;
}

/** Registers the commands; returns the process exit code (0 done, 1 Discord refused, 2 configuration). */
export async function runRegister(env: NodeJS.ProcessEnv, options: RegisterOptions = {}): Promise<number> {
  const fail = (message: string) => {
    (options.destination ?? process.stderr).write(`${message}\n`);
    return 2;
  };
  let config: Config;
  try {
    if (options.dotEnv !== false) loadDotEnv();
    config = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return fail(e.message);
    return fail(`.env could not be read: ${(e as Error).message}`);
  }
  const discord = config.discord;
  if (!discord)
    return fail('DISCORD_BOT_TOKEN is missing: expected the bot token to register slash commands with');
  const log = createLogger({
    level: config.logLevel,
    secrets: [config.apicore.apiKey, discord.token],
    ...(options.destination ? { destination: options.destination } : {}),
  });
  const agent = createAgent();
  const rest = new REST({ api: discord.apiUrl, makeRequest: makeRequestWith(agent) }).setToken(discord.token);
  try {
    const done = await registerCommands(
      rest,
      { applicationId: discord.applicationId, guildId: discord.guildId },
      commandSummaries(commands),
    );
    log.info({ ...done, guild: discord.guildId }, 'slash commands registered');
    return 0;
  } catch (error) {
    log.error({ err: error }, 'slash commands could not be registered');
    return 1;
  } finally {
    log.flush();
    await agent.close();
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && pathToFileURL(resolve(process.argv[1])).href === import.meta.url;
if (invokedDirectly) {
  runRegister(process.env).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`fatal: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
