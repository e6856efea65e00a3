import { afterAll, beforeAll } from 'vitest';
import { FakeApiCore } from '../fakes/apicore.js';
import type { FakeDiscord } from '../fakes/discord.js';
import { type DiscordRun, startGuildApp } from './discord-app.js';

/** What a Discord end-to-end file works with: one app in one guild for the whole file. */
export interface GuildFakes {
  apicore: FakeApiCore;
  run: DiscordRun;
  discord: FakeDiscord;
}

/** Starts the fake APICore and the bot in a guild with these channels before the file's tests; stops both after. */
export function useGuildApp(channels: Record<string, string>): GuildFakes {
  const fx = {} as GuildFakes;
  beforeAll(async () => {
    fx.apicore = await FakeApiCore.start();
    fx.run = await startGuildApp(fx.apicore, channels);
    fx.discord = fx.run.discord;
  });
  afterAll(async () => {
    await fx.run?.stop();
    await fx.apicore?.close();
  });
  return fx;
}
