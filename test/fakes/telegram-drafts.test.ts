import { Bot, GrammyError } from 'grammy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTelegram } from './telegram.js';

let fake: FakeTelegram;
let bot: Bot;

const LIFETIME_MS = 200;

beforeEach(async () => {
  fake = await FakeTelegram.start({ botUsername: 'apicore_test_bot', draftLifetimeMs: LIFETIME_MS });
  bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot }, botInfo: fake.botInfo });
});
afterEach(async () => {
  await fake.close();
  expect(fake.unexpected).toEqual([]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function apiError(promise: Promise<unknown>): Promise<GrammyError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GrammyError);
  return err as GrammyError;
}

describe('FakeTelegram drafts', () => {
  it('a draft expires after its lifetime without an update; an update keeps it alive', async () => {
    const amy = fake.user(1, 'Amy', 'en');
    const chat = fake.privateChat(1, amy);
    await bot.api.sendMessageDraft(chat.id, 7, '思考中 thinking 🤔');
    await bot.api.sendMessageDraft(chat.id, 8, 'kept 保持 ✅');
    for (let i = 0; i < 4; i++) {
      await sleep(LIFETIME_MS / 2);
      await bot.api.sendMessageDraft(chat.id, 8, 'kept 保持 ✅');
    }
    await fake.waitFor(() => fake.expiredDrafts(chat.id).length === 1, 2000);
    expect(fake.expiredDrafts(chat.id).map((d) => d.draft_id)).toEqual([7]);
    expect(fake.liveDrafts(chat.id).map((d) => d.draftId)).toEqual([8]);
  });

  it('a bot message ends the chat’s drafts', async () => {
    const ben = fake.user(2, 'Ben', 'zh-CN');
    const chat = fake.privateChat(2, ben);
    await bot.api.sendMessageDraft(chat.id, 3, '草稿 draft');
    await bot.api.sendMessage(chat.id, '完成 done 🎉');
    expect(fake.liveDrafts(chat.id)).toEqual([]);
    expect(fake.endedDrafts(chat.id).map((d) => d.reason)).toEqual(['message']);
    await sleep(LIFETIME_MS * 1.5);
    expect(fake.expiredDrafts(chat.id)).toEqual([]);
  });

  it('records can_stop; only a shown draft with a stop button can be stopped', async () => {
    const cat = fake.user(3, 'Cat', 'en');
    const chat = fake.privateChat(3, cat);
    await bot.api.sendMessageDraft(chat.id, 4, 'no button 没有按钮');
    expect(() => fake.stopGeneration(chat, 4)).toThrow(/without can_stop/);
    expect(() => fake.stopGeneration(chat, 99)).toThrow(/shows no draft 99/);
    await bot.api.sendMessageDraft(chat.id, 5, 'stoppable 可停止 ⏹', { can_stop: true });
    expect(fake.draftRecords(chat.id).at(-1)).toMatchObject({ draft_id: 5, can_stop: true });
    const update = fake.stopGeneration(chat, 5);
    expect(update.stopped_message_generation).toEqual({ chat, draft_id: 5 });
    expect(fake.endedDrafts(chat.id).find((d) => d.draft_id === 5)?.reason).toBe('stopped');
    // Delivered only to a bot that asked for it in allowed_updates (or asked for everything).
    const seen: number[] = [];
    bot.on('stopped_message_generation', (ctx) => {
      seen.push(ctx.update.stopped_message_generation.draft_id);
    });
    const running = bot.start({ timeout: 1, allowed_updates: ['message', 'stopped_message_generation'] });
    await fake.waitIdle(3000);
    await bot.stop();
    await running;
    expect(seen).toEqual([5]);
  });

  it('sendMessageDraft fails as scripted: 500, 400 with any description, 404', async () => {
    const dan = fake.user(4, 'Dan', 'en');
    const chat = fake.privateChat(4, dan);
    fake.failNext('sendMessageDraft', { error_code: 500, description: 'Internal Server Error' });
    fake.failNext('sendMessageDraft', {
      error_code: 400,
      description: 'Bad Request: TEXTDRAFT_PEER_INVALID',
    });
    expect((await apiError(bot.api.sendMessageDraft(chat.id, 1, 'a'))).error_code).toBe(500);
    const other = await apiError(bot.api.sendMessageDraft(chat.id, 1, 'b'));
    expect([other.error_code, other.description]).toEqual([400, 'Bad Request: TEXTDRAFT_PEER_INVALID']);
    fake.draftsSupported = false;
    expect((await apiError(bot.api.sendMessageDraft(chat.id, 1, 'c'))).error_code).toBe(404);
    expect(fake.drafts(chat.id)).toEqual([]);
  });
});
