import { Bot, GrammyError, InputFile } from 'grammy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeTelegram, parseTelegramHtml } from './telegram.js';

/** A valid 1x1 RGBA PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

let fake: FakeTelegram;
let bot: Bot;
let running: Promise<void> | undefined;
let botErrors: unknown[];

/** Start long polling (timeout 1 s) and resolve once grammY is polling. */
async function startBot(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    running = bot.start({ timeout: 1, onStart: () => resolve() }).catch((err: unknown) => {
      botErrors.push(err);
      reject(err);
    });
  });
}

async function expectApiError(promise: Promise<unknown>): Promise<GrammyError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GrammyError);
  return err as GrammyError;
}

beforeEach(async () => {
  fake = await FakeTelegram.start({ botUsername: 'apicore_test_bot' });
  bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot }, botInfo: fake.botInfo });
  botErrors = [];
  bot.catch((err) => {
    botErrors.push(err);
  });
  running = undefined;
});

afterEach(async () => {
  if (bot.isRunning()) await bot.stop();
  await running;
  await fake.close();
});

describe('FakeTelegram with the real grammY Bot', () => {
  it('delivers a text update over long polling and records the HTML reply as visible text', async () => {
    const alice = fake.user(42, 'Alice', 'en');
    const chat = fake.privateChat(42, alice);
    bot.command('start', (ctx) => ctx.reply(`started ${ctx.match}`));
    bot.on('message:text', (ctx) => ctx.reply('你好 👋 <b>ok</b>', { parse_mode: 'HTML' }));
    await startBot();

    fake.sendText(chat, alice, 'hello');
    fake.sendText(chat, alice, '/start now');
    const log = await fake.waitFor((f) => f.chatLog(42).length === 2 && f.chatLog(42));
    await fake.waitIdle();

    expect(log[0]).toMatchObject({
      kind: 'text',
      text: '你好 👋 ok',
      html: '你好 👋 <b>ok</b>',
      entities: [{ type: 'bold', offset: 6, length: 2 }],
      from_bot: true,
      edits: 0,
    });
    expect(log[0]!.message.from?.id).toBe(fake.botInfo.id);
    expect(log[1]!.text).toBe('started now');
    // Message ids are per chat and shared with the user's messages.
    expect(fake.chatLog(42, { includeUser: true }).map((m) => [m.message_id, m.from_bot])).toEqual([
      [1, false],
      [2, false],
      [3, true],
      [4, true],
    ]);
    expect(fake.callsTo('getUpdates').length).toBeGreaterThanOrEqual(2);
    expect(fake.unexpected).toEqual([]);
    expect(botErrors).toEqual([]);
  });

  it('answers an unchanged edit with "message is not modified" and tracks edits', async () => {
    const chat = fake.privateChat(7, fake.user(7, 'Bob'));
    const sent = await bot.api.sendMessage(chat.id, 'same', {
      reply_markup: { inline_keyboard: [[{ text: 'Go', callback_data: 'go' }]] },
    });
    expect(sent.chat.id).toBe(7);

    const err = await expectApiError(
      bot.api.editMessageText(chat.id, sent.message_id, 'same', {
        reply_markup: { inline_keyboard: [[{ text: 'Go', callback_data: 'go' }]] },
      }),
    );
    expect(err.error_code).toBe(400);
    expect(err.description).toMatch(/^Bad Request: message is not modified: specified new message content/);
    expect(fake.notModifiedCount).toBe(1);

    // Omitting reply_markup removes the keyboard, so the same text is a real change.
    await bot.api.editMessageText(chat.id, sent.message_id, 'same');
    await bot.api.editMessageText(chat.id, sent.message_id, 'changed');
    expect(fake.edits(chat.id, sent.message_id)).toEqual(['same', 'same', 'changed']);
    expect(fake.chatLog(chat.id)[0]).toMatchObject({ text: 'changed', edits: 2 });
    expect(fake.chatLog(chat.id)[0]!.reply_markup).toBeUndefined();

    const missing = await expectApiError(bot.api.editMessageText(chat.id, 999, 'x'));
    expect(missing.description).toBe('Bad Request: message to edit not found');
    expect(fake.unexpected).toEqual([]);
  });

  it('records a multipart sendPhoto with the exact bytes, and getFile + download return them', async () => {
    const chat = fake.groupChat(5, 'Team');
    const msg = await bot.api.sendPhoto(chat.id, new InputFile(PNG, 'a.png'), {
      caption: 'a <i>cat</i>',
      parse_mode: 'HTML',
      reply_markup: { inline_keyboard: [[{ text: 'Again', callback_data: 'again' }]] },
    });
    const [entry] = fake.chatLog(chat.id);
    expect(entry).toMatchObject({
      kind: 'photo',
      text: 'a cat',
      caption: 'a cat',
      reply_markup: { inline_keyboard: [[{ text: 'Again', callback_data: 'again' }]] },
      file: { filename: 'a.png', mime: 'image/png' },
    });
    expect(entry!.file!.bytes!.equals(PNG)).toBe(true);
    const call = fake.callsTo('sendPhoto')[0]!;
    expect(call.files[0]).toMatchObject({ filename: 'a.png' });
    expect(call.params.reply_markup).toEqual({
      inline_keyboard: [[{ text: 'Again', callback_data: 'again' }]],
    });

    const largest = msg.photo!.at(-1)!;
    expect(largest).toMatchObject({ width: 1, height: 1, file_size: PNG.length });
    const file = await bot.api.getFile(largest.file_id);
    const res = await fetch(`${fake.apiRoot}/file/bot${fake.token}/${file.file_path}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);

    // A user's photo is downloadable from inside a handler too.
    const carol = fake.user(9, 'Carol');
    const dm = fake.privateChat(9, carol);
    let downloaded: Buffer | undefined;
    bot.on('message:photo', async (ctx) => {
      const f = await ctx.getFile();
      const r = await fetch(`${fake.apiRoot}/file/bot${fake.token}/${f.file_path}`);
      downloaded = Buffer.from(await r.arrayBuffer());
      await ctx.reply(`got ${f.file_size} bytes`);
    });
    await startBot();
    fake.sendPhoto(dm, carol, { fileId: 'user-photo', bytes: PNG, caption: 'look' });
    await fake.waitFor((f) => f.chatLog(9)[0]?.text === `got ${PNG.length} bytes`);
    expect(downloaded?.equals(PNG)).toBe(true);

    // Files over 20 MB cannot be fetched by bots.
    const huge = fake.registerFile(PNG, { size: 21 * 1024 * 1024 });
    expect((await expectApiError(bot.api.getFile(huge))).description).toBe('Bad Request: file is too big');
    expect(fake.unexpected).toEqual([]);
  });

  it("rejects broken HTML with can't parse entities and enforces text limits", async () => {
    const chat = fake.privateChat(3, fake.user(3, 'Dan'));
    const cases: [string, RegExp][] = [
      ['<b>bold</i>', /Unmatched end tag at byte offset \d+, expected "<\/b>", found "<\/i>"/],
      ['a <foo>x</foo>', /Unsupported start tag "foo" at byte offset 2/],
      ['<b>open', /Can't find end tag corresponding to start tag "b"/],
      ['1 < 2', /Unsupported start tag ""/],
      ['AT&T', /unescaped "&"/],
      ['<span>x</span>', /Tag "span" must have class "tg-spoiler"/],
    ];
    for (const [html, expected] of cases) {
      const err = await expectApiError(bot.api.sendMessage(chat.id, html, { parse_mode: 'HTML' }));
      expect(err.error_code).toBe(400);
      expect(err.description).toMatch(/^Bad Request: can't parse entities: /);
      expect(err.description).toMatch(expected);
    }
    const tooLong = await expectApiError(bot.api.sendMessage(chat.id, 'x'.repeat(4097)));
    expect(tooLong.description).toBe('Bad Request: message is too long');
    // 4096 code points after entity parsing is fine, even with markup around it.
    await bot.api.sendMessage(chat.id, `<b>${'y'.repeat(4096)}</b>`, { parse_mode: 'HTML' });
    const caption = await expectApiError(
      bot.api.sendPhoto(chat.id, new InputFile(PNG, 'p.png'), { caption: 'c'.repeat(1025) }),
    );
    expect(caption.description).toBe('Bad Request: message caption is too long');
    expect(fake.chatLog(chat.id)).toHaveLength(1);
    expect(fake.unexpected).toEqual([]);
  });

  it('pushes unknown methods and missing parameters to `unexpected`', async () => {
    const raw = bot.api.raw as unknown as Record<string, (args: object) => Promise<unknown>>;
    const notFound = await expectApiError(raw.sendHologram!({ chat_id: 1 }));
    expect(notFound.error_code).toBe(404);
    expect(notFound.description).toBe('Not Found: method not found');
    const missing = await expectApiError(raw.sendMessage!({ text: 'no chat' }));
    expect(missing.description).toBe('Bad Request: chat_id is empty');
    expect(fake.unexpected).toEqual([
      'sendHologram: 404 Not Found: method not found',
      'sendMessage: 400 Bad Request: chat_id is empty',
    ]);

    const wrongToken = await fetch(`${fake.apiRoot}/bot123:wrong/getMe`);
    expect(wrongToken.status).toBe(401);
    expect(await wrongToken.json()).toEqual({ ok: false, error_code: 401, description: 'Unauthorized' });
  });

  it('injects a 429 with retry_after exactly once', async () => {
    const chat = fake.groupChat(-100123, 'G');
    fake.failNext(
      'sendMessage',
      { error_code: 429, description: 'Too Many Requests: retry after 1', retry_after: 1 },
      { chatId: chat.id },
    );
    const err = await expectApiError(bot.api.sendMessage(chat.id, 'hi'));
    expect(err.error_code).toBe(429);
    expect(err.parameters.retry_after).toBe(1);
    await bot.api.sendMessage(chat.id, 'hi');
    expect(fake.chatLog(chat.id).map((m) => m.text)).toEqual(['hi']);
    expect(fake.errors).toMatchObject([{ method: 'sendMessage', error_code: 429, injected: true }]);
    expect(fake.unexpected).toEqual([]);
  });

  it('stops promptly while a long poll is held', async () => {
    await startBot();
    await fake.waitFor((f) => f.callsTo('getUpdates').length >= 1);
    const t0 = Date.now();
    await bot.stop();
    await running;
    expect(Date.now() - t0).toBeLessThan(500);
    expect(fake.unexpected).toEqual([]);
  });

  it('handles drafts, callback buttons and commands', async () => {
    const eve = fake.user(11, 'Eve', 'de');
    const chat = fake.privateChat(11, eve);
    await bot.api.sendMessageDraft(chat.id, 5, '');
    await bot.api.sendMessageDraft(chat.id, 5, 'Hal<b>lo</b>', { parse_mode: 'HTML' });
    expect(fake.drafts(chat.id)).toEqual(['', 'Hallo']);
    const group = fake.groupChat(77, 'Group');
    const groupDraft = await expectApiError(bot.api.sendMessageDraft(group.id, 1, 'x'));
    expect(groupDraft.error_code).toBe(400);
    fake.draftsSupported = false;
    const old = await expectApiError(bot.api.sendMessageDraft(chat.id, 6, 'x'));
    expect(old.error_code).toBe(404);

    bot.command('menu', (ctx) =>
      ctx.reply('Pick', { reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'pick:a' }]] } }),
    );
    bot.callbackQuery(/^pick:(.+)$/, async (ctx) => {
      await ctx.answerCallbackQuery({ text: 'ok' });
      await ctx.editMessageText(`Picked ${ctx.match[1]}`);
    });
    await startBot();
    fake.sendText(chat, eve, '/menu');
    const menu = await fake.waitFor((f) => f.chatLog(chat.id)[0]);
    fake.pressButton(chat, eve, menu.message_id, 'pick:a');
    await fake.waitFor((f) => f.chatLog(chat.id)[0]?.text === 'Picked a');
    expect(fake.callbackAnswers).toMatchObject([{ text: 'ok' }]);
    expect(() => fake.pressButton(chat, eve, menu.message_id, 'pick:zzz')).toThrow(/no button/);

    await bot.api.setMyCommands([{ command: 'menu', description: 'Menü' }], { language_code: 'de' });
    await bot.api.setMyCommands([{ command: 'menu', description: 'Menu' }]);
    expect(fake.commands({ languageCode: 'de' })).toEqual([{ command: 'menu', description: 'Menü' }]);
    expect(await bot.api.getMyCommands()).toEqual([{ command: 'menu', description: 'Menu' }]);
    expect(fake.unexpected).toEqual([]);
  });

  it('accounts group rate limits and can enforce them', async () => {
    await fake.close();
    fake = await FakeTelegram.start({
      enforceRateLimits: true,
      groupRateLimit: { max: 3, windowMs: 60_000 },
    });
    bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot }, botInfo: fake.botInfo });
    const group = fake.groupChat(9, 'Busy');
    for (let i = 0; i < 3; i++) await bot.api.sendMessage(group.id, `m${i}`);
    const err = await expectApiError(bot.api.sendMessage(group.id, 'm3'));
    expect(err.error_code).toBe(429);
    expect(err.parameters.retry_after).toBeGreaterThanOrEqual(59);
    expect(fake.rateViolations()).toMatchObject([{ chatId: group.id, method: 'sendMessage' }]);
  });
});

describe('FakeTelegram wire protocol', () => {
  it('implements getUpdates offset, limit and long-poll holding', async () => {
    const chat = fake.privateChat(1, fake.user(1, 'Zed'));
    const [a, b, c] = ['a', 'b', 'c'].map((t) => fake.sendText(chat, fake.user(1, 'Zed'), t));
    expect(a && b && c).toBeTruthy();
    const call = async (params: object) => {
      const res = await fetch(`${fake.apiRoot}/bot${fake.token}/getUpdates`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(params),
      });
      return ((await res.json()) as { result: { update_id: number; message?: { text?: string } }[] }).result;
    };
    const first = await call({ limit: 2 });
    expect(first.map((u) => u.message?.text)).toEqual(['a', 'b']);
    const rest = await call({ offset: first[1]!.update_id + 1 });
    expect(rest.map((u) => u.message?.text)).toEqual(['c']);
    expect(fake.pendingUpdates()).toHaveLength(1);

    const t0 = Date.now();
    const held = call({ offset: rest[0]!.update_id + 1, timeout: 2 });
    setTimeout(() => fake.sendText(chat, fake.user(1, 'Zed'), 'late'), 100);
    expect((await held).map((u) => u.message?.text)).toEqual(['late']);
    expect(Date.now() - t0).toBeLessThan(1000);
    const empty = Date.now();
    expect(await call({ offset: fake.pendingUpdates()[0]!.update_id + 1, timeout: 1 })).toEqual([]);
    expect(Date.now() - empty).toBeGreaterThanOrEqual(900);
  });

  it('answers an overlapping getUpdates with 409 to the older poll', async () => {
    const poll = (timeout: number) =>
      fetch(`${fake.apiRoot}/bot${fake.token}/getUpdates?timeout=${timeout}`).then((r) => r.json());
    const older = poll(2);
    await fake.waitFor((f) => f.callsTo('getUpdates').length === 1);
    const newer = poll(0);
    expect(await older).toMatchObject({ ok: false, error_code: 409 });
    expect(await newer).toEqual({ ok: true, result: [] });
    expect(fake.unexpected).toEqual([
      'getUpdates: 409 Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    ]);
  });

  it('sends media groups, URLs and existing file_ids', async () => {
    const chat = fake.privateChat(4, fake.user(4, 'Xia'));
    const photoMessage = await bot.api.sendPhoto(chat.id, new InputFile(PNG, 'one.png'), {
      caption: 'first',
    });
    await bot.api.sendDocument(chat.id, 'https://example.com/files/report.pdf');
    const album = [photoMessage];
    const [photo, doc] = fake.chatLog(chat.id);
    expect(photo!.file!.bytes!.equals(PNG)).toBe(true);
    expect(doc).toMatchObject({
      kind: 'document',
      file: { url: 'https://example.com/files/report.pdf', filename: 'report.pdf', mime: 'application/pdf' },
    });
    const voiceId = fake.registerFile(Buffer.from('OggS-voice'), { mime: 'audio/ogg' });
    const voice = await bot.api.sendVoice(chat.id, voiceId, {
      reply_parameters: { message_id: album[0]!.message_id },
    });
    expect(voice.voice?.file_id).toBe(voiceId);
    expect(fake.chatLog(chat.id)[2]).toMatchObject({
      kind: 'voice',
      reply_to_message_id: album[0]!.message_id,
    });
    const bad = await expectApiError(bot.api.sendVoice(chat.id, 'no-such-file-id'));
    expect(bad.description).toBe('Bad Request: wrong file identifier/HTTP URL specified');
    expect(fake.unexpected).toEqual(['sendVoice: 400 Bad Request: wrong file identifier/HTTP URL specified']);
  });

  it('accepts urlencoded bodies with JSON-typed fields', async () => {
    const chat = fake.privateChat(2, fake.user(2, 'Yan'));
    const body = new URLSearchParams({
      chat_id: String(chat.id),
      text: '&lt;hi&gt;',
      parse_mode: 'HTML',
      reply_markup: JSON.stringify({ inline_keyboard: [[{ text: 'x', url: 'https://example.com' }]] }),
    });
    const res = await fetch(`${fake.apiRoot}/bot${fake.token}/sendMessage`, { method: 'POST', body });
    expect(res.status).toBe(200);
    expect(fake.chatLog(chat.id)[0]).toMatchObject({
      text: '<hi>',
      reply_markup: { inline_keyboard: [[{ text: 'x' }]] },
    });
  });

  it('parses Telegram HTML like the Bot API', () => {
    expect(parseTelegramHtml('  <pre><code class="language-ts">x &amp;&amp; y</code></pre>\n')).toEqual({
      text: 'x && y',
      entities: [{ type: 'pre', offset: 0, length: 6, language: 'ts' }],
    });
    expect(
      parseTelegramHtml('<a href="https://x.y/?a=1&amp;b=2">l</a> <tg-spoiler>s</tg-spoiler> &#128075;'),
    ).toEqual({
      text: 'l s 👋',
      entities: [
        { type: 'text_link', offset: 0, length: 1, url: 'https://x.y/?a=1&b=2' },
        { type: 'spoiler', offset: 2, length: 1 },
      ],
    });
    expect(parseTelegramHtml('<blockquote expandable>q</blockquote>').entities).toEqual([
      { type: 'expandable_blockquote', offset: 0, length: 1 },
    ]);
    expect(parseTelegramHtml('AT&T', { lenientEntities: true }).text).toBe('AT&T');
  });
});
