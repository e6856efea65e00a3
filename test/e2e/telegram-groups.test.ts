import { describe, expect, it } from 'vitest';
import { chatChunks, TINY_PNG } from '../fakes/apicore.js';
import type { LoggedMessage } from '../fakes/telegram.js';
import { startTelegramBot, type TelegramRun } from '../helpers/telegram-app.js';
import { useTelegramFakes } from '../helpers/telegram-fakes.js';

// Quiet groups, topics, albums, anonymous admins and admin-only settings, with the real grammY
// client against the fake Bot API: what users see, and what the bot asked of Telegram.

const fx = useTelegramFakes();

const botMessages = (chatId: number): LoggedMessage[] => fx.tg.chatLog(chatId).filter((m) => m.from_bot);
const chatRequests = () => fx.api.requestsTo('POST', '/v1/chat/completions');
type ChatJson = { model: string; messages: { role: string; content: unknown }[] };
const lastChatJson = () => chatRequests().at(-1)!.json as ChatJson;
/** Log lines (pino JSON) whose msg is `msg`. */
const logged = (run: TelegramRun, msg: string) =>
  run.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg);

describe('Telegram groups: quiet', () => {
  it('one member sending 30 commands gets answers within the limit and one refusal per window, no 429', async () => {
    fx.tg.enforceRateLimits = true;
    fx.bot = await startTelegramBot(fx.tg, fx.api, { env: { RATE_LIMIT_PER_MINUTE: '3' } });
    const group = fx.tg.groupChat(50, 'Flood 刷屏群 🌊');
    const zed = fx.tg.user(51, 'Zed 泽德', 'zh-CN');
    const firstMinute = Math.floor(Date.now() / 60_000);
    for (let i = 1; i <= 30; i++) fx.tg.sendText(group, zed, `/chat 第${i}个问题 question ${i} 🚀`);
    // Every command was handled: answered, or refused (told or not).
    await fx.tg.waitFor(
      () =>
        chatRequests().length + logged(fx.bot!, 'request refused by the access policy').length === 30 &&
        fx.bot!.app.router.inflight === 0,
      20_000,
    );
    const windows = Math.floor(Date.now() / 60_000) - firstMinute + 1;
    const refusals = botMessages(group.id).filter((m) => m.text.startsWith('请求太频繁'));
    expect(refusals.length).toBeGreaterThanOrEqual(1);
    expect(refusals.length).toBeLessThanOrEqual(windows);
    expect(refusals[0]!.text).toBe('请求太频繁（每分钟最多 3 次），请稍等片刻。');
    expect(chatRequests().length).toBeLessThanOrEqual(3 * windows);
    const answers = botMessages(group.id).filter((m) => m.text.startsWith('Echo: '));
    expect(answers.map((m) => m.text)).toEqual(
      chatRequests().map((_, i) => `Echo: Zed 泽德: 第${i + 1}个问题 question ${i + 1} 🚀`),
    );
    expect(botMessages(group.id)).toHaveLength(answers.length + refusals.length);
    expect(fx.tg.errors.filter((e) => e.error_code === 429)).toEqual([]);
    expect(fx.tg.rateViolations()).toEqual([]);
  });

  it('ignores another bot’s commands in a group, answers its own and addressed unknown ones', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const group = fx.tg.groupChat(60, 'Bots 机器人群 🤖');
    const amy = fx.tg.user(61, 'Amy', 'en');
    fx.tg.sendText(group, amy, '/ban @spammer 广告 🚫');
    fx.tg.sendText(group, amy, '/warn@other_helper_bot please 请');
    fx.tg.sendText(group, amy, '/frobnicate@apicore_test_bot now ⚙️');
    fx.tg.sendText(group, amy, '/help');
    await fx.tg.waitFor(() => botMessages(group.id).length === 2, 8000);
    await fx.tg.waitIdle();
    await fx.tg.waitFor(() => fx.bot!.app.router.inflight === 0);
    const texts = botMessages(group.id).map((m) => m.text);
    expect(texts[0]).toBe('Unknown command /frobnicate. Send /help to see what I can do.');
    expect(texts[1]).toContain('/chat — ');
    expect(texts.some((t) => t.includes('/ban') || t.includes('/warn'))).toBe(false);
    // In a private chat every command is for this bot.
    const chat = fx.tg.privateChat(61, amy);
    fx.tg.sendText(chat, amy, '/ban 😈');
    await fx.tg.waitFor(() => botMessages(chat.id)[0], 8000);
    expect(botMessages(chat.id)[0]!.text).toBe('Unknown command /ban. Send /help to see what I can do.');
  });

  it('answers a mention only when it names this bot exactly', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const group = fx.tg.groupChat(70, 'Names 名字');
    const ben = fx.tg.user(71, 'Ben', 'en');
    fx.tg.sendText(group, ben, '@apicore_test_bot2 are you there? 在吗');
    fx.tg.sendText(group, ben, 'mail me at ben@apicore_test_bot.example 📧');
    fx.tg.sendText(group, ben, 'hey @apicore_test_bot, 1+1? 一加一 ➕');
    await fx.tg.waitFor(() => botMessages(group.id).some((m) => m.text.startsWith('Echo: ')), 8000);
    await fx.tg.waitIdle();
    await fx.tg.waitFor(() => fx.bot!.app.router.inflight === 0);
    expect(chatRequests()).toHaveLength(1);
    expect(botMessages(group.id).map((m) => m.text)).toEqual(['Echo: Ben: hey , 1+1? 一加一 ➕']);
  });

  it('shows an error on a button press as an alert, not as a chat message', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const group = fx.tg.groupChat(80, 'Buttons 按钮');
    const cat = fx.tg.user(81, 'Cat', 'zh-CN');
    fx.tg.sendText(group, cat, '/help');
    const help = await fx.tg.waitFor(() => botMessages(group.id)[0], 8000);
    // A button that is no longer registered (its record expired).
    const id = fx.tg.pressButton(group, cat, help.message_id, 'expired-🕰', { force: true });
    await fx.tg.waitFor(() => fx.tg.callbackAnswers.find((a) => a.callback_query_id === id), 8000);
    expect(fx.tg.callbackAnswers.filter((a) => a.callback_query_id === id)).toEqual([
      expect.objectContaining({ text: '此按钮已失效，请重新执行命令。', show_alert: true }),
    ]);
    await fx.tg.waitFor(() => fx.bot!.app.router.inflight === 0);
    expect(botMessages(group.id)).toHaveLength(1);
  });
});

describe('Telegram groups: settings are for admins', () => {
  it('refuses a member’s /model, accepts an admin’s and the creator’s, asking Telegram once per member', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const group = fx.tg.groupChat(90, 'Settings 设置群 ⚙️');
    const ada = fx.tg.user(91, 'Ada', 'en');
    const bo = fx.tg.user(92, 'Bo', 'zh-CN');
    const cy = fx.tg.user(93, 'Cy', 'en');
    fx.tg.setMemberStatus(group, ada, 'administrator');
    fx.tg.setMemberStatus(group, cy, 'creator');
    fx.tg.sendText(group, bo, '/model gpt-4o');
    await fx.tg.waitFor(() => botMessages(group.id)[0], 8000);
    expect(botMessages(group.id)[0]!.text).toBe(
      '🔒 只有群管理员可以修改本群的设置。你仍可正常使用，也可以在与我的私聊中自行设置。',
    );
    fx.tg.sendText(group, bo, '/model');
    await fx.tg.waitFor(() => botMessages(group.id).length === 2, 8000);
    expect(botMessages(group.id)[1]!.text).toBe('🤖 本聊天当前模型：gpt-4o-mini');
    fx.tg.sendText(group, ada, '/model gpt-4o');
    await fx.tg.waitFor(() => botMessages(group.id).length === 3, 8000);
    expect(botMessages(group.id)[2]!.text).toBe('✅ Model set to gpt-4o');
    fx.tg.sendText(group, ada, '/model claude-sonnet-4-5');
    await fx.tg.waitFor(() => botMessages(group.id).length === 4, 8000);
    fx.tg.sendText(group, cy, '/model gpt-4o');
    await fx.tg.waitFor(() => botMessages(group.id).length === 5, 8000);
    expect(botMessages(group.id)[4]!.text).toBe('✅ Model set to gpt-4o');
    // Each member was asked about once (the second /model of Ada used the cache).
    const asked = fx.tg.callsTo('getChatMember').map((c) => c.params.user_id);
    expect(asked.sort()).toEqual([91, 92, 93]);
    fx.tg.sendText(group, bo, '@apicore_test_bot 你好 👋');
    await fx.tg.waitFor(() => chatRequests().length === 1, 8000);
    expect(lastChatJson().model).toBe('gpt-4o');
  });

  it('lets a configured admin change a group’s settings without asking Telegram', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api, { env: { ADMIN_USERS: 'telegram:95' } });
    const group = fx.tg.groupChat(94, 'Ops 运维');
    const ops = fx.tg.user(95, 'Ops', 'en');
    fx.tg.sendText(group, ops, '/model gpt-4o');
    await fx.tg.waitFor(() => botMessages(group.id)[0], 8000);
    expect(botMessages(group.id)[0]!.text).toBe('✅ Model set to gpt-4o');
    expect(fx.tg.callsTo('getChatMember')).toHaveLength(0);
  });

  it('/system sets the prompt the next chat request carries, and /system off clears it', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const dee = fx.tg.user(101, 'Dee', 'zh-CN');
    const chat = fx.tg.privateChat(101, dee);
    const prompt = '你是一只猫 🐱 Always answer like a cat.';
    fx.tg.sendText(chat, dee, `/system ${prompt}`);
    await fx.tg.waitFor(() => botMessages(chat.id)[0], 8000);
    expect(botMessages(chat.id)[0]!.text).toBe(
      `✅ 系统提示词已设置（${prompt.length} 个字符），从下一条消息起生效。`,
    );
    fx.tg.sendText(chat, dee, '你好吗？ how are you? 😺');
    await fx.tg.waitFor(() => chatRequests().length === 1, 8000);
    expect(lastChatJson().messages[0]).toEqual({ role: 'system', content: prompt });
    expect(lastChatJson().messages.at(-1)).toEqual({ role: 'user', content: '你好吗？ how are you? 😺' });
    fx.tg.sendText(chat, dee, '/system');
    await fx.tg.waitFor(() => botMessages(chat.id).some((m) => m.text.startsWith('🧭')), 8000);
    expect(botMessages(chat.id).find((m) => m.text.startsWith('🧭'))!.text).toContain(prompt);
    fx.tg.sendText(chat, dee, '/system off');
    await fx.tg.waitFor(() => botMessages(chat.id).some((m) => m.text === '✅ 系统提示词已清除。'), 8000);
    fx.tg.sendText(chat, dee, 'still a cat? 还是猫吗');
    await fx.tg.waitFor(() => chatRequests().length === 2, 8000);
    expect(lastChatJson().messages.some((m) => m.role === 'system')).toBe(false);
  });

  it('refuses a member’s /system in a group', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const group = fx.tg.groupChat(102, 'Prompt 提示词');
    const eli = fx.tg.user(103, 'Eli', 'en');
    fx.tg.sendText(group, eli, '/system Talk like a pirate 🏴‍☠️');
    await fx.tg.waitFor(() => botMessages(group.id)[0], 8000);
    expect(botMessages(group.id)[0]!.text).toBe(
      '🔒 Only the group’s admins can change its settings. You can still use them, or set your own in a private chat with me.',
    );
    fx.tg.sendText(group, eli, '@apicore_test_bot ahoy 你好');
    await fx.tg.waitFor(() => chatRequests().length === 1, 8000);
    expect(lastChatJson().messages.some((m) => m.role === 'system')).toBe(false);
  });

  it('serves an anonymous group admin, as an admin', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const group = fx.tg.groupChat(110, 'Anon 匿名');
    fx.tg.sendAsChat(group, '/model gpt-4o');
    await fx.tg.waitFor(() => botMessages(group.id)[0], 8000);
    expect(botMessages(group.id)[0]!.text).toBe('✅ Model set to gpt-4o');
    fx.tg.sendAsChat(group, '@apicore_test_bot status? 状态 📊');
    await fx.tg.waitFor(() => botMessages(group.id).some((m) => m.text.startsWith('Echo: ')), 8000);
    expect(botMessages(group.id).at(-1)!.text).toBe('Echo: Anon 匿名: status? 状态 📊');
    expect(lastChatJson().model).toBe('gpt-4o');
    expect(fx.tg.callsTo('getChatMember')).toHaveLength(0);
  });
});

describe('Telegram: /start', () => {
  it('greets in Chinese for a zh user, lists the commands, and takes a deep-link payload', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const fei = fx.tg.user(121, 'Fei 飞', 'zh-hans');
    const chat = fx.tg.privateChat(121, fei);
    fx.tg.sendText(chat, fei, '/start ref_abc-123');
    const reply = await fx.tg.waitFor(() => botMessages(chat.id)[0], 8000);
    expect(reply.text.startsWith('👋 你好，Fei 飞！')).toBe(true);
    expect(reply.text).toContain('/chat — 与 AI 对话');
    expect(reply.text).toContain('/system — ');
    expect(reply.text).not.toContain('/start —');
    expect(logged(fx.bot, 'start with a payload')[0]).toMatchObject({ payload: 'ref_abc-123' });
    const gil = fx.tg.user(122, 'Gil', 'en');
    const other = fx.tg.privateChat(122, gil);
    fx.tg.sendText(other, gil, '/start');
    const hello = await fx.tg.waitFor(() => botMessages(other.id)[0], 8000);
    expect(hello.text.startsWith('👋 Hello, Gil!')).toBe(true);
  });
});

describe('Telegram forum topics', () => {
  it('answers in the topic, keeps each topic’s conversation apart, and posts task results there', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const forum = fx.tg.forumChat(130, 'Forum 论坛 🗂');
    const hal = fx.tg.user(131, 'Hal', 'en');
    const fruit = fx.tg.createTopic(forum, hal, 'Fruit 水果 🍎');
    const art = fx.tg.createTopic(forum, hal, 'Art 艺术 🎨');
    const long = `${'苹果 apple 🍎 '.repeat(400)}end`;
    fx.api.enqueue('POST /v1/chat/completions', { kind: 'sse', events: chatChunks(long, { pieces: 6 }) });
    fx.tg.sendText(forum, hal, '/chat remember: 苹果 🍎', fx.tg.inTopic(forum, fruit));
    await fx.tg.waitFor(
      () => botMessages(forum.id).filter((m) => m.message.message_thread_id === fruit).length >= 2,
      10_000,
    );
    await fx.tg.waitFor(() => fx.bot!.app.router.inflight === 0);
    fx.tg.sendText(forum, hal, '/chat what did I say? 我说了什么', fx.tg.inTopic(forum, art));
    await fx.tg.waitFor(() => chatRequests().length === 2, 8000);
    // The art topic's conversation starts fresh: only its own question.
    expect(lastChatJson().messages).toEqual([{ role: 'user', content: 'Hal: what did I say? 我说了什么' }]);
    await fx.tg.waitFor(
      () => botMessages(forum.id).some((m) => m.text === 'Echo: Hal: what did I say? 我说了什么'),
      8000,
    );
    fx.tg.sendText(forum, hal, '/imagine a red fox 狐狸 🦊', fx.tg.inTopic(forum, art));
    const grid = await fx.tg.waitFor(() => botMessages(forum.id).find((m) => m.kind === 'photo'), 10_000);
    expect(grid.message.message_thread_id).toBe(art);
    // The long answer and its continuation in the fruit topic; the rest (the echo, the task's
    // status and its grid) in the art topic.
    for (const m of botMessages(forum.id)) {
      expect(m.message.message_thread_id).toBe(m.text.includes('苹果') ? fruit : art);
    }
    // Every send named its topic, the continuation of the long answer too.
    const sends = fx.tg.calls.filter((c) => /^send(Message|Photo|Audio|Document|Video)$/.test(c.method));
    expect(sends.length).toBeGreaterThanOrEqual(4);
    for (const c of sends) expect([fruit, art]).toContain(c.params.message_thread_id);
  });
});

describe('Telegram albums', () => {
  it('describes an album of 3 photos once', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const ivy = fx.tg.user(141, 'Ivy', 'en');
    const chat = fx.tg.privateChat(141, ivy);
    const photo = Buffer.from(TINY_PNG);
    fx.tg.sendAlbum(chat, ivy, [photo, photo, photo]);
    await fx.tg.waitFor(
      () => botMessages(chat.id).find((m) => m.text.startsWith('🖼️ Four prompts for this image:')),
      10_000,
    );
    await fx.tg.waitFor(() => fx.bot!.app.router.inflight === 0);
    expect(fx.api.requestsTo('POST', '/mj/submit/describe')).toHaveLength(1);
    expect(botMessages(chat.id).filter((m) => m.text.startsWith('🖼️'))).toHaveLength(1);
  });

  it('answers a captioned album in a group once, with every photo', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const group = fx.tg.groupChat(150, 'Photos 相册 📷');
    const joy = fx.tg.user(151, 'Joy', 'en');
    const photo = Buffer.from(TINY_PNG);
    fx.tg.sendAlbum(group, joy, [photo, photo, photo], {
      caption: '@apicore_test_bot what do these share? 有什么共同点 🤔',
    });
    await fx.tg.waitFor(() => chatRequests().length === 1, 10_000);
    await fx.tg.waitFor(() => botMessages(group.id).some((m) => m.text.startsWith('Echo: ')), 8000);
    await fx.tg.waitFor(() => fx.bot!.app.router.inflight === 0);
    expect(chatRequests()).toHaveLength(1);
    const question = lastChatJson().messages.at(-1)!.content as { type: string }[];
    expect(question.filter((p) => p.type === 'image_url')).toHaveLength(3);
  });
});
