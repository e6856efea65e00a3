import { describe, expect, it } from 'vitest';
import { chatChunks, FAKE_API_KEY, TINY_PNG } from '../fakes/apicore.js';
import { FakeTelegram } from '../fakes/telegram.js';
import { startTelegramBot } from '../helpers/telegram-app.js';
import { useTelegramFakes } from '../helpers/telegram-fakes.js';

const fx = useTelegramFakes();

const ANSWER = '你好 👋 **Hello** from the bot. 这是一个流式回答，包含 emoji 🎉🇨🇳 and `code`.';
const VISIBLE = '你好 👋 Hello from the bot. 这是一个流式回答，包含 emoji 🎉🇨🇳 and code.';

function slowAnswer(text = ANSWER) {
  return { kind: 'sse' as const, events: chatChunks(text, { pieces: 8 }), delayMs: 150 };
}

const botMessages = (chatId: number) => fx.tg.chatLog(chatId).filter((m) => m.from_bot);

describe('Telegram on grammY against the fake Bot API', () => {
  it('streams a private answer with native drafts and ends with one message', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const alice = fx.tg.user(11, 'Alice', 'en');
    const chat = fx.tg.privateChat(11, alice);
    fx.api.enqueue('POST /v1/chat/completions', slowAnswer());
    fx.tg.sendText(chat, alice, 'Say hello 说你好');
    await fx.tg.waitFor((f) => f.chatLog(chat.id).some((m) => m.from_bot && m.text === VISIBLE), 8000);
    const drafts = fx.tg.drafts(chat.id);
    expect(drafts.length).toBeGreaterThanOrEqual(2);
    expect(drafts.at(-1)).not.toBe('');
    expect(botMessages(chat.id).map((m) => m.text)).toEqual([VISIBLE]);
    expect(botMessages(chat.id)[0]!.html).toContain('<b>Hello</b>');
    expect(fx.tg.callsTo('editMessageText')).toHaveLength(0);
    expect(fx.bot.logs.join('')).not.toContain(fx.tg.token);
    expect(fx.bot.logs.join('')).not.toContain(FAKE_API_KEY);
  });

  it('falls back to edits once drafts are refused, and remembers', async () => {
    await fx.tg.close();
    fx.tg = await FakeTelegram.start({ botUsername: 'apicore_test_bot', draftsSupported: false });
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const bob = fx.tg.user(12, 'Bob', 'zh-CN');
    const chat = fx.tg.privateChat(12, bob);
    fx.api.enqueue('POST /v1/chat/completions', slowAnswer(), slowAnswer('第二个回答 second answer ✅'));
    fx.tg.sendText(chat, bob, '第一个问题');
    await fx.tg.waitFor((f) => f.chatLog(chat.id).some((m) => m.from_bot && m.text === VISIBLE), 8000);
    const [answer] = botMessages(chat.id);
    // The first words came within the grace (FIRST_TEXT_GRACE_MS): the first message carries them.
    expect(fx.tg.edits(chat.id, answer!.message_id)[0]).toMatch(/ ▍$/);
    expect(answer!.edits).toBeGreaterThanOrEqual(1);
    fx.tg.sendText(chat, bob, '第二个问题');
    await fx.tg.waitFor(
      (f) => f.chatLog(chat.id).some((m) => m.from_bot && m.text === '第二个回答 second answer ✅'),
      8000,
    );
    expect(fx.tg.callsTo('sendMessageDraft')).toHaveLength(1);
    expect(fx.tg.notModifiedCount).toBe(0);
  });

  it('describes a photo, then a prompt button runs imagine', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const carol = fx.tg.user(13, 'Carol', 'en');
    const chat = fx.tg.privateChat(13, carol);
    fx.tg.sendPhoto(chat, carol, { bytes: Buffer.from(TINY_PNG) });
    const result = await fx.tg.waitFor(
      (f) => f.chatLog(chat.id).find((m) => m.text.startsWith('🖼️ Four prompts for this image:')),
      8000,
    );
    const base64 = (fx.api.requestsTo('POST', '/mj/submit/describe')[0]!.json as { base64: string }).base64;
    expect(Buffer.from(base64.split(',')[1]!, 'base64').equals(Buffer.from(TINY_PNG))).toBe(true);
    expect(result.text).toContain('1️⃣ a rainy city street at night');
    const buttons = result.reply_markup!.inline_keyboard.flat();
    expect(buttons.map((b) => b.text)).toEqual([
      '🎨 Imagine 1',
      '🎨 Imagine 2',
      '🎨 Imagine 3',
      '🎨 Imagine 4',
    ]);
    const first = buttons[0]!;
    fx.tg.pressButton(chat, carol, result.message_id, 'callback_data' in first ? first.callback_data : '');
    await fx.tg.waitFor(
      (f) => f.callbackAnswers.length === 1 && fx.api.requestsTo('POST', '/mj/submit/imagine').length === 1,
      5000,
    );
    expect(fx.api.requestsTo('POST', '/mj/submit/imagine')[0]!.json).toEqual({
      prompt: 'a rainy city street at night, neon reflections on wet asphalt, cinematic lighting --ar 1:1',
    });
    const grid = await fx.tg.waitFor((f) => f.chatLog(chat.id).find((m) => m.kind === 'photo'), 8000);
    expect(grid.reply_markup!.inline_keyboard.flat().map((b) => b.text)).toEqual(
      expect.arrayContaining(['U1', 'U2', 'U3', 'U4', 'V1', 'V2', 'V3', 'V4', '🔄']),
    );
  });

  it('refuses an oversized photo in the user’s language without downloading it', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const dan = fx.tg.user(14, 'Dan', 'zh-hans');
    const chat = fx.tg.privateChat(14, dan);
    fx.tg.sendPhoto(chat, dan, { bytes: Buffer.from(TINY_PNG), size: 25 * 1024 * 1024 });
    const reply = await fx.tg.waitFor((_f) => botMessages(chat.id)[0], 5000);
    expect(reply.text).toBe('图片太大（25.0 MB），上限为 20.0 MB。');
    expect(fx.tg.downloads).toHaveLength(0);
    expect(fx.api.requestsTo('POST', '/mj/submit/describe')).toHaveLength(0);
  });

  it('runs /song for two group members at once and replies to each with their clips', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const group = fx.tg.groupChat(20, 'Music 音乐群');
    const eve = fx.tg.user(21, 'Eve', 'en');
    const fay = fx.tg.user(22, 'Fay', 'zh-CN');
    const a = fx.tg.sendText(group, eve, '/song@apicore_test_bot a happy song 快乐的歌');
    const b = fx.tg.sendText(group, fay, '/song 悲伤的歌 a sad song');
    await fx.tg.waitFor((f) => f.chatLog(group.id).filter((m) => m.kind === 'audio').length === 4, 10_000);
    const audio = fx.tg.chatLog(group.id).filter((m) => m.kind === 'audio');
    expect(audio.filter((m) => m.reply_to_message_id === a.message_id)).toHaveLength(2);
    expect(audio.filter((m) => m.reply_to_message_id === b.message_id)).toHaveLength(2);
    expect(audio[0]!.message.audio).toMatchObject({ performer: 'Suno AI', title: '雨中的城市 🌧' });
    expect(audio[0]!.text).toContain('雨落在窗台 rain on the window 🌧');
    expect(audio[0]!.file!.bytes!.length).toBeGreaterThan(0);
    // Each member reads the status in their own language.
    await fx.tg.waitFor((f) => {
      const statuses = f.chatLog(group.id).map((m) => m.text);
      return statuses.includes('✅ Suno · 2 clip(s) delivered') && statuses.includes('✅ Suno · 已发送 2 首');
    }, 10_000);
    expect(fx.tg.rateViolations()).toEqual([]);
  });

  it('ignores group chatter that is not for the bot, answers a mention', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const group = fx.tg.groupChat(30, 'Chat 群聊');
    const gus = fx.tg.user(31, 'Gus', 'en');
    fx.tg.sendText(group, gus, 'just talking to friends 朋友们好');
    fx.tg.sendText(group, gus, '@apicore_test_bot what is 1+1? 一加一');
    // In groups the model is told who is speaking.
    await fx.tg.waitFor(
      (_f) => botMessages(group.id).some((m) => m.text === 'Echo: Gus: what is 1+1? 一加一'),
      8000,
    );
    expect(fx.api.requestsTo('POST', '/v1/chat/completions')).toHaveLength(1);
  });

  it('three members chatting in one group share the group budget and all get exact answers', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    fx.tg.enforceRateLimits = true;
    const group = fx.tg.groupChat(40, 'Busy 忙碌的群');
    const members = [
      fx.tg.user(41, 'Hal', 'en'),
      fx.tg.user(42, 'Ivy', 'zh-CN'),
      fx.tg.user(43, 'Jon', 'en'),
    ];
    const answers = members.map((m, i) => `Answer ${i} for ${m.first_name}: ${'流式 stream 🌊 '.repeat(6)}`);
    fx.api.enqueue('POST /v1/chat/completions', ...answers.map((a) => slowAnswer(a)));
    for (const m of members) fx.tg.sendText(group, m, `/chat question from ${m.first_name}`);
    await fx.tg.waitFor(
      (f) =>
        f.chatLog(group.id).filter((m) => m.from_bot && m.text.startsWith('Answer ')).length === 3 &&
        answers.every((a) => f.chatLog(group.id).some((m) => m.text === a.trim())),
      15_000,
    );
    expect(fx.tg.rateViolations()).toEqual([]);
    expect(fx.tg.errors.filter((e) => e.error_code === 429)).toEqual([]);
    expect(fx.tg.notModifiedCount).toBe(0);
  });

  it('waits out a 429 on an edit and still ends with the exact answer', async () => {
    await fx.tg.close();
    fx.tg = await FakeTelegram.start({ botUsername: 'apicore_test_bot', draftsSupported: false });
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const kim = fx.tg.user(15, 'Kim', 'en');
    const chat = fx.tg.privateChat(15, kim);
    fx.tg.failNext('editMessageText', {
      error_code: 429,
      description: 'Too Many Requests: retry after 1',
      retry_after: 1,
    });
    fx.api.enqueue('POST /v1/chat/completions', slowAnswer());
    fx.tg.sendText(chat, kim, 'hello');
    await fx.tg.waitFor((_f) => botMessages(chat.id).some((m) => m.text === VISIBLE), 10_000);
    expect(fx.tg.errors.filter((e) => e.error_code === 429)).toHaveLength(1);
  });

  it('sends plain text when Telegram refuses the HTML of a chunk', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const lee = fx.tg.user(16, 'Lee', 'en');
    const chat = fx.tg.privateChat(16, lee);
    fx.tg.failNext('sendMessage', {
      error_code: 400,
      description: "Bad Request: can't parse entities: Unexpected end tag at byte offset 12",
    });
    fx.api.enqueue('POST /v1/chat/completions', { kind: 'sse', events: chatChunks('**bold** 粗体 <odd>') });
    fx.tg.sendText(chat, lee, 'markdown please');
    const answer = await fx.tg.waitFor(
      (_f) => botMessages(chat.id).find((m) => m.text.includes('粗体')),
      8000,
    );
    expect(answer.text).toBe('**bold** 粗体 <odd>');
    expect(answer.parse_mode).toBeUndefined();
  });

  it('refuses webhook requests without the right secret token', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api, { webhook: { port: 0, secret: 'right-secret-123' } });
    const address = fx.bot.platform.webhookAddress!;
    const update = {
      update_id: 1,
      message: {
        message_id: 1,
        date: 0,
        chat: { id: 17, type: 'private', first_name: 'M' },
        from: { id: 17, is_bot: false, first_name: 'M' },
        text: 'hi',
      },
    };
    const wrong = await fetch(address, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'wrong' },
      body: JSON.stringify(update),
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(address, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'right-secret-123' },
      body: JSON.stringify(update),
    });
    expect(right.status).toBe(200);
    fx.tg.addChat({ id: 17, type: 'private', first_name: 'M' });
    await fx.tg.waitFor((f) => f.chatLog(17).some((m) => m.text === 'Echo: hi'), 8000);
    expect(fx.api.requestsTo('POST', '/v1/chat/completions')).toHaveLength(1);
    expect(fx.tg.webhook).toMatchObject({
      url: 'https://bot.example/webhook',
      secret_token: 'right-secret-123',
    });
  });

  it('publishes its commands in English and Chinese', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    expect(fx.tg.commands().map((c) => c.command)).toEqual(
      expect.arrayContaining(['chat', 'describe', 'imagine', 'song', 'new']),
    );
    expect(fx.tg.commands({ languageCode: 'zh' }).find((c) => c.command === 'song')?.description).toBe(
      '用 Suno 创作并演唱一首歌',
    );
    expect(fx.tg.commands().some((c) => c.command === 'mj-action' || c.command === 'mj_action')).toBe(false);
  });
});
