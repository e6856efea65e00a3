import type { InlineKeyboardButton } from 'grammy/types';
import { describe, expect, it, vi } from 'vitest';
import { chatChunks } from '../fakes/apicore.js';
import { FakeTelegram, type FakeTelegramOptions, type LoggedMessage } from '../fakes/telegram.js';
import { startTelegramBot } from '../helpers/telegram-app.js';
import { useTelegramFakes } from '../helpers/telegram-fakes.js';

const fx = useTelegramFakes();

/** Restarts the fake Telegram with other options (before the bot starts). */
async function restartTelegram(options: FakeTelegramOptions): Promise<void> {
  await fx.tg.close();
  fx.tg = await FakeTelegram.start({ botUsername: 'apicore_test_bot', ...options });
}

const ANSWER = '你好 👋 Hello from the bot. 这是一个流式回答，包含 emoji 🎉🇨🇳 and plain words.';
const SECOND = '第二个回答 second answer ✅ 🚀';
const LONG = Array.from({ length: 12 }, (_, i) => `第${i}句 sentence ${i} 🌊.`).join(' ');

function slowAnswer(text = ANSWER, pieces = 8, delayMs = 150) {
  return { kind: 'sse' as const, events: chatChunks(text, { pieces }), delayMs };
}

const botTexts = (chatId: number) =>
  fx.tg
    .chatLog(chatId)
    .filter((m) => m.from_bot)
    .map((m) => m.text);
const buttonsOf = (m: LoggedMessage): InlineKeyboardButton[] => m.reply_markup?.inline_keyboard.flat() ?? [];
const dataOf = (b: InlineKeyboardButton | undefined): string =>
  b && 'callback_data' in b ? (b.callback_data ?? '') : '';
const chatBodies = () =>
  fx.api
    .requestsTo('POST', '/v1/chat/completions')
    .map((r) => r.json as { messages: { role: string; content: unknown }[] });

describe('Telegram drafts that fail', () => {
  it('a placeholder draft answered 500 still gives one message with the exact answer; later answers work', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const amy = fx.tg.user(51, 'Amy', 'en');
    const chat = fx.tg.privateChat(51, amy);
    fx.tg.failNext('sendMessageDraft', { error_code: 500, description: 'Internal Server Error' });
    fx.api.enqueue('POST /v1/chat/completions', slowAnswer(), slowAnswer(SECOND));
    fx.tg.sendText(chat, amy, 'Say hello 说你好');
    await fx.tg.waitFor(() => botTexts(chat.id).includes(ANSWER), 10_000);
    expect(botTexts(chat.id)).toEqual([ANSWER]);
    // The failed draft was not retried, and no other draft was tried for that answer.
    expect(fx.tg.callsTo('sendMessageDraft')).toHaveLength(1);
    expect(fx.tg.errors.filter((e) => e.method === 'sendMessageDraft').map((e) => e.error_code)).toEqual([
      500,
    ]);

    // A 500 is not "drafts unsupported": the next answer streams as a draft again, and works.
    fx.tg.sendText(chat, amy, 'Again 再来');
    await fx.tg.waitFor(() => botTexts(chat.id).includes(SECOND), 10_000);
    expect(botTexts(chat.id)).toEqual([ANSWER, SECOND]);
    expect(fx.tg.drafts(chat.id).length).toBeGreaterThanOrEqual(2);
    expect(botTexts(chat.id).some((t) => /went wrong|出错/.test(t))).toBe(false);
  });

  it('a draft answered 400 with another description mid-answer still gives one message with the exact answer', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const ben = fx.tg.user(52, 'Ben', 'zh-CN');
    const chat = fx.tg.privateChat(52, ben);
    fx.api.enqueue('POST /v1/chat/completions', slowAnswer(ANSWER, 10, 200));
    fx.tg.sendText(chat, ben, '讲个故事 tell a story');
    // Once the placeholder draft is shown, the next draft fails.
    await fx.tg.waitFor(() => fx.tg.drafts(chat.id).length >= 1, 5000);
    fx.tg.failNext('sendMessageDraft', {
      error_code: 400,
      description: 'Bad Request: TEXTDRAFT_PEER_INVALID',
    });
    await fx.tg.waitFor(() => botTexts(chat.id).includes(ANSWER), 10_000);
    expect(botTexts(chat.id)).toEqual([ANSWER]);
    const draftCalls = fx.tg.callsTo('sendMessageDraft');
    const failed = draftCalls.findIndex((c) => c.response?.ok === false);
    expect(failed).toBeGreaterThan(0);
    // No draft after the failure: the answer continued as the message.
    expect(draftCalls.length).toBe(failed + 1);
  });

  it('after a "not supported" refusal no more drafts are tried, in this chat or any other', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const cat = fx.tg.user(53, 'Cat', 'en');
    const dan = fx.tg.user(54, 'Dan', 'zh-CN');
    const chatC = fx.tg.privateChat(53, cat);
    const chatD = fx.tg.privateChat(54, dan);
    fx.tg.failNext('sendMessageDraft', {
      error_code: 400,
      description: 'Bad Request: unknown method sendMessageDraft',
    });
    fx.api.enqueue('POST /v1/chat/completions', slowAnswer(), slowAnswer(SECOND));
    fx.tg.sendText(chatC, cat, 'first 第一');
    await fx.tg.waitFor(() => botTexts(chatC.id).includes(ANSWER), 10_000);
    expect(fx.tg.callsTo('sendMessageDraft')).toHaveLength(1);
    fx.tg.sendText(chatD, dan, 'second 第二');
    await fx.tg.waitFor(() => botTexts(chatD.id).includes(SECOND), 10_000);
    expect(fx.tg.callsTo('sendMessageDraft')).toHaveLength(1);
    // Both answers streamed by edits, each starting from its first words (they came within the
    // grace, FIRST_TEXT_GRACE_MS: no placeholder message).
    const [answerD] = fx.tg.chatLog(chatD.id).filter((m) => m.from_bot);
    expect(fx.tg.edits(chatD.id, answerD!.message_id)[0]).toMatch(/ ▍$/);
    expect(botTexts(chatC.id)).toEqual([ANSWER]);
  });

  it('a silence longer than the draft preview keeps the draft alive and shows typing', async () => {
    const lifetimeMs = 1500;
    await restartTelegram({ draftLifetimeMs: lifetimeMs });
    fx.bot = await startTelegramBot(fx.tg, fx.api, { draftLifetimeMs: lifetimeMs });
    const eve = fx.tg.user(55, 'Eve', 'en');
    const chat = fx.tg.privateChat(55, eve);
    // Two silences of 2 s (before the words and after them), each longer than the preview.
    fx.api.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks('慢慢想 thinking slowly 🐢', { pieces: 1 }),
      delayMs: 2000,
    });
    fx.tg.sendText(chat, eve, 'take your time 慢慢来');
    await fx.tg.waitFor(() => botTexts(chat.id).includes('慢慢想 thinking slowly 🐢'), 10_000);
    expect(fx.tg.expiredDrafts(chat.id)).toEqual([]);
    expect(fx.tg.endedDrafts(chat.id).map((d) => d.reason)).toEqual(['message']);
    expect(fx.tg.drafts(chat.id).length).toBeGreaterThanOrEqual(4);
    expect(fx.tg.actions(chat.id)).toContain('typing');
  });
});

describe('Stop and Regenerate', () => {
  it('Stop on a private draft aborts the upstream request and keeps the text so far', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const fay = fx.tg.user(61, 'Fay', 'en');
    const chat = fx.tg.privateChat(61, fay);
    fx.api.enqueue('POST /v1/chat/completions', slowAnswer(LONG, 40, 150));
    fx.tg.sendText(chat, fay, 'a long story 长故事');
    const shown = await fx.tg.waitFor(
      () => fx.tg.draftRecords(chat.id).find((d) => d.can_stop && d.text.length > 10),
      8000,
    );
    fx.tg.stopGeneration(chat, shown.draft_id);
    const final = await fx.tg.waitFor(() => botTexts(chat.id).find((t) => t.endsWith('⏹ Stopped')), 8000);
    const kept = final.slice(0, -'\n\n⏹ Stopped'.length);
    expect(kept.length).toBeGreaterThanOrEqual(shown.text.length);
    expect(kept.length).toBeLessThan(LONG.length);
    expect(LONG.startsWith(kept)).toBe(true);
    expect(botTexts(chat.id)).toEqual([final]);
    await vi.waitFor(() =>
      expect(fx.api.requestsTo('POST', '/v1/chat/completions')[0]!.closedByClient).toBe(true),
    );
    // Stopped with text: it can be asked again.
    const [message] = fx.tg.chatLog(chat.id).filter((m) => m.from_bot);
    expect(buttonsOf(message!).map((b) => b.text)).toEqual(['🔄 Regenerate']);
  });

  it('the inline Stop in a group aborts the upstream request and keeps the text so far', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const group = fx.tg.groupChat(-1_000_000_062, 'Stop 停止群');
    const gus = fx.tg.user(62, 'Gus', 'zh-CN');
    fx.api.enqueue('POST /v1/chat/completions', slowAnswer(LONG, 40, 150));
    fx.tg.sendText(group, gus, '/chat 讲一个长故事 a long story');
    // Stop is there from the placeholder on; press it once some words are shown.
    const growing = await fx.tg.waitFor(
      () => fx.tg.chatLog(group.id).find((m) => m.from_bot && m.edits > 0 && m.text.includes('第0句')),
      10_000,
    );
    const stop = buttonsOf(growing).find((b) => b.text === '⏹ 停止');
    expect(stop).toBeDefined();
    fx.tg.pressButton(group, gus, growing.message_id, dataOf(stop));
    const final = await fx.tg.waitFor(
      () =>
        fx.tg
          .chatLog(group.id)
          .find((m) => m.message_id === growing.message_id && m.text.endsWith('⏹ 已停止')),
      10_000,
    );
    const kept = final.text.slice(0, -'\n\n⏹ 已停止'.length);
    expect(LONG.startsWith(kept)).toBe(true);
    expect(kept.length).toBeLessThan(LONG.length);
    expect(buttonsOf(final).map((b) => b.text)).toEqual(['🔄 重新生成']);
    await vi.waitFor(() =>
      expect(fx.api.requestsTo('POST', '/v1/chat/completions')[0]!.closedByClient).toBe(true),
    );
    expect(fx.tg.rateViolations()).toEqual([]);
  });

  it('only the asker (or an admin) can stop an answer; a Stop after the end says it finished', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api, { env: { ADMIN_USERS: 'telegram:999' } });
    const group = fx.tg.groupChat(-1_000_000_063, 'Polite 礼貌群');
    const hal = fx.tg.user(63, 'Hal', 'en');
    const ivy = fx.tg.user(64, 'Ivy', 'en');
    fx.api.enqueue('POST /v1/chat/completions', slowAnswer(ANSWER, 12, 250));
    fx.tg.sendText(group, hal, '/chat tell me 告诉我');
    const growing = await fx.tg.waitFor(
      () => fx.tg.chatLog(group.id).find((m) => m.from_bot && buttonsOf(m).some((b) => b.text === '⏹ Stop')),
      8000,
    );
    const stopData = dataOf(buttonsOf(growing)[0]);
    fx.tg.pressButton(group, ivy, growing.message_id, stopData);
    const refused = (f: FakeTelegram, text: string) =>
      f.callbackAnswers.some((a) => a.text?.includes(text)) ||
      botTexts(group.id).some((t) => t.includes(text));
    await fx.tg.waitFor((f) => refused(f, 'Only the person who asked can stop this answer.'), 8000);
    // Not stopped: the answer ends whole, with Regenerate instead of Stop.
    const done = await fx.tg.waitFor(
      () => fx.tg.chatLog(group.id).find((m) => m.message_id === growing.message_id && m.text === ANSWER),
      10_000,
    );
    expect(buttonsOf(done).map((b) => b.text)).toEqual(['🔄 Regenerate']);
    expect(fx.api.requestsTo('POST', '/v1/chat/completions')[0]!.closedByClient).toBeUndefined();
    // The same Stop pressed now (a stale keyboard, or a second process) finds nothing running.
    fx.tg.pressButton(group, hal, growing.message_id, stopData, { force: true });
    await fx.tg.waitFor((f) => refused(f, 'This answer has already finished.'), 8000);
  });

  it('Regenerate answers the same question again and the conversation keeps only the new answer', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const joy = fx.tg.user(65, 'Joy', 'en');
    const chat = fx.tg.privateChat(65, joy);
    fx.api.enqueue('POST /v1/chat/completions', slowAnswer(ANSWER, 4, 50), slowAnswer(SECOND, 4, 50));
    const question = 'What is 2+2? 二加二等于几？🤔';
    fx.tg.sendText(chat, joy, question);
    const first = await fx.tg.waitFor(
      () => fx.tg.chatLog(chat.id).find((m) => m.from_bot && m.text === ANSWER),
      10_000,
    );
    const regenerate = buttonsOf(first).find((b) => b.text === '🔄 Regenerate');
    fx.tg.pressButton(chat, joy, first.message_id, dataOf(regenerate));
    await fx.tg.waitFor(() => botTexts(chat.id).includes(SECOND), 10_000);
    // Asked again with the same history: the question alone.
    expect(chatBodies()[1]!.messages).toEqual(chatBodies()[0]!.messages);
    // The follow-up sees the question once, answered by the new answer only.
    fx.tg.sendText(chat, joy, 'and doubled? 再乘二');
    await fx.tg.waitFor(() => botTexts(chat.id).some((t) => t === 'Echo: and doubled? 再乘二'), 10_000);
    expect(chatBodies()[2]!.messages).toEqual([
      { role: 'user', content: question },
      { role: 'assistant', content: SECOND },
      { role: 'user', content: 'and doubled? 再乘二' },
    ]);
  });
});
