import { Bot, GrammyError } from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../fakes/telegram.js';
import { startTelegramBot } from '../helpers/telegram-app.js';
import { useTelegramFakes } from '../helpers/telegram-fakes.js';

// Telegram's bot-wide limit (Bots FAQ: "not more than 30 messages per second or so" across users):
// the fake enforces it, and the bot stays under it with many chats answering at once.

describe('FakeTelegram: the bot-wide limit', () => {
  let fake: FakeTelegram | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('answers 429 with retry_after past 30 sends, edits and drafts a second across chats', async () => {
    let now = 1_000_000;
    fake = await FakeTelegram.start({ enforceRateLimits: true, now: () => now });
    const bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot }, botInfo: fake.botInfo });
    const chats = Array.from({ length: 32 }, (_, i) =>
      fake!.privateChat(500 + i, fake!.user(500 + i, `U${i}`)),
    );
    for (let i = 0; i < 29; i++) await bot.api.sendMessage(chats[i]!.id, `hello ${i}`);
    await bot.api.sendMessageDraft(chats[29]!.id, 7, 'a draft counts too');
    const refused = await bot.api.sendMessage(chats[30]!.id, 'one too many').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GrammyError);
    expect((refused as GrammyError).error_code).toBe(429);
    expect((refused as GrammyError).parameters.retry_after).toBe(1);
    expect(fake.botRateViolations()).toMatchObject([{ chatId: chats[30]!.id, scope: 'bot' }]);
    expect(fake.rateViolations()).toEqual([]); // the group limit is another matter
    now += 999;
    await expect(bot.api.sendMessage(chats[31]!.id, 'still within the second')).rejects.toThrow(/429/);
    now += 1;
    await bot.api.sendMessage(chats[31]!.id, 'a new second');
    expect(fake.chatLog(chats[31]!.id).map((m) => m.text)).toEqual(['a new second']);
  });

  it('only accounts the limit unless told to enforce it, and can be turned off', async () => {
    const now = 5_000;
    fake = await FakeTelegram.start({ now: () => now, botRateLimit: { max: 2, windowMs: 1000 } });
    const bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot }, botInfo: fake.botInfo });
    for (let i = 0; i < 3; i++)
      await bot.api.sendMessage(fake!.privateChat(600 + i, fake!.user(600 + i, 'V')).id, 'hi');
    expect(fake.botRateViolations()).toHaveLength(1);
    fake.botRateLimit = false;
    fake.enforceRateLimits = true;
    await bot.api.sendMessage(fake.privateChat(610, fake.user(610, 'W')).id, 'no bot-wide limit');
    expect(fake.botRateViolations()).toHaveLength(1);
  });
});

describe('Telegram: many chats answering at once', () => {
  const fx = useTelegramFakes();

  it('200 private chats asking at once: every final text, and not one 429', async () => {
    // 100 a second on both sides keeps the test short; the bench runs Telegram's 30. Drafts count
    // too, stamped like messages when they came back.
    fx.tg.botRateLimit = { max: 100, windowMs: 1000 };
    fx.tg.enforceRateLimits = true;
    fx.bot = await startTelegramBot(fx.tg, fx.api, {
      env: { TELEGRAM_MAX_PER_SECOND: '100', RATE_LIMIT_PER_MINUTE: '0' },
    });
    const chats = Array.from({ length: 200 }, (_, i) =>
      fx.tg.privateChat(1000 + i, fx.tg.user(1000 + i, `P${i}`)),
    );
    for (const [i, chat] of chats.entries())
      fx.tg.sendText(chat, fx.tg.user(1000 + i, `P${i}`), `/chat q${i} 问题 🚀`);
    await fx.tg.waitFor(
      (f) =>
        chats.every((c, i) => f.chatLog(c.id).some((m) => m.from_bot && m.text === `Echo: q${i} 问题 🚀`)),
      60_000,
    );
    expect(fx.tg.errors.filter((e) => e.error_code === 429)).toEqual([]);
    expect(fx.tg.botRateViolations()).toEqual([]);
    // Busy: the budget really was the bottleneck, not an idle bot.
    const rated = fx.tg.calls.filter((c) => /^(send|edit)/.test(c.method) && c.method !== 'sendChatAction');
    expect(rated.length).toBeGreaterThan(200);
  }, 90_000);
});
