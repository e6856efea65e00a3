import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { FakeApiCore } from '../fakes/apicore.js';
import { FakeTelegram } from '../fakes/telegram.js';
import type { TelegramRun } from './telegram-app.js';

/** What a Telegram end-to-end file works with; `tg` may be replaced (a restart with other options). */
export interface TelegramFakes {
  api: FakeApiCore;
  tg: FakeTelegram;
  bot: TelegramRun | undefined;
}

/**
 * The fakes every Telegram end-to-end file starts: one fake APICore for the file, a fresh fake Bot
 * API per test; after each test the bot stops and both fakes must have seen only well-formed requests.
 */
export function useTelegramFakes(): TelegramFakes {
  const fx = { bot: undefined } as TelegramFakes;
  beforeAll(async () => {
    fx.api = await FakeApiCore.start();
  });
  afterAll(async () => {
    await fx.api.close();
  });
  beforeEach(async () => {
    fx.api.requests.length = 0;
    fx.tg = await FakeTelegram.start({ botUsername: 'apicore_test_bot' });
  });
  afterEach(async () => {
    await fx.bot?.stop();
    fx.bot = undefined;
    await fx.tg.close();
    // Every request the bot made was well-formed.
    expect(fx.tg.unexpected).toEqual([]);
    expect(fx.api.unexpected).toEqual([]);
  });
  return fx;
}
