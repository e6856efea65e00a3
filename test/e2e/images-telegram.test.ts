import { describe, expect, it } from 'vitest';
import { ALBUM_QUIET_MS } from '../../src/platforms/telegram/handlers.js';
import { klingImageFake } from '../fakes/apicore/images.js';
import type { MultipartPart } from '../fakes/apicore/types.js';
import { TINY_PNG } from '../fakes/apicore.js';
import { startTelegramBot } from '../helpers/telegram-app.js';
import { useTelegramFakes } from '../helpers/telegram-fakes.js';

const fx = useTelegramFakes();

const botMessages = (chatId: number) => fx.tg.chatLog(chatId).filter((m) => m.from_bot);
/** A second, different PNG (bytes after IEND are ignored by decoders), to tell the photos apart. */
const OTHER_PNG = Buffer.concat([TINY_PNG, Buffer.from('second photo')]);
const imageParts = (parts: MultipartPart[] | undefined) =>
  (parts ?? []).filter((p) => p.name === 'image' || p.name === 'image[]');

describe('/draw on Telegram against the fakes', () => {
  it('a photo captioned /draw … model:gpt-image-1 is an edit: its bytes reach the gateway as multipart', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const ann = fx.tg.user(41, 'Ann', 'en');
    const chat = fx.tg.privateChat(41, ann);
    const photo = fx.tg.sendPhoto(chat, ann, {
      bytes: Buffer.from(TINY_PNG),
      caption: '/draw 给猫戴帽子 put a hat on the cat 🎩 model:gpt-image-1',
    });
    const result = await fx.tg.waitFor(
      (f) => f.chatLog(chat.id).find((m) => m.from_bot && m.kind === 'photo'),
      10_000,
    );
    const [edit] = fx.api.requestsTo('POST', '/v1/images/edits');
    expect(String(edit!.headers['content-type'])).toMatch(/^multipart\/form-data/);
    const images = imageParts(edit!.parts);
    expect(images).toHaveLength(1);
    expect(images[0]!.data.equals(TINY_PNG)).toBe(true);
    expect(edit!.parts!.find((p) => p.name === 'model')?.data.toString()).toBe('gpt-image-1');
    expect(edit!.parts!.find((p) => p.name === 'prompt')?.data.toString()).toBe(
      '给猫戴帽子 put a hat on the cat 🎩',
    );
    // The edited image arrives as a photo, replying to the user's photo.
    expect(result.text).toBe('🖼️ 给猫戴帽子 put a hat on the cat 🎩');
    expect(result.reply_to_message_id).toBe(photo.message_id);
    expect(result.file!.bytes!.equals(TINY_PNG)).toBe(true);
    const status = botMessages(chat.id)[0]!;
    await fx.tg.waitFor((f) => f.edits(chat.id, status.message_id).includes('✅ Done (gpt-image-1)'), 10_000);
    expect(fx.api.requestsTo('POST', '/v1/images/generations')).toHaveLength(0);
  });

  it('/draw sent as a reply to a photo in a group takes that photo', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const bo = fx.tg.user(42, 'Bo', 'zh-CN');
    const group = fx.tg.groupChat(-1004200, '画画群');
    const photo = fx.tg.sendPhoto(group, bo, { bytes: OTHER_PNG });
    fx.tg.sendText(group, bo, '/draw 变成水彩 watercolor 🖌', fx.tg.replyTo(photo));
    const result = await fx.tg.waitFor(
      (f) => f.chatLog(group.id).find((m) => m.from_bot && m.kind === 'photo'),
      10_000,
    );
    const images = imageParts(fx.api.requestsTo('POST', '/v1/images/edits')[0]?.parts);
    expect(images.map((i) => i.data.equals(OTHER_PNG))).toEqual([true]);
    expect(result.text).toBe('🖼️ 变成水彩 watercolor 🖌');
    // The photo alone said nothing to the bot (a group, not addressed): one answer, to the command.
    expect(fx.api.requestsTo('POST', '/v1/chat/completions')).toHaveLength(0);
  });

  it('/draw as a reply to one photo of an album takes every photo of the album', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const cy = fx.tg.user(43, 'Cy', 'en');
    const group = fx.tg.groupChat(-1004300, 'Album group');
    const album = fx.tg.sendAlbum(group, cy, [Buffer.from(TINY_PNG), OTHER_PNG]);
    // The album is gathered once no part came for a moment; it says nothing to the bot by itself.
    await new Promise((r) => setTimeout(r, ALBUM_QUIET_MS + 500));
    fx.tg.sendText(group, cy, '/draw model:gpt-image-1 put both in one frame 🖼', fx.tg.replyTo(album[1]!));
    await fx.tg.waitFor((f) => f.chatLog(group.id).find((m) => m.from_bot && m.kind === 'photo'), 10_000);
    const [edit] = fx.api.requestsTo('POST', '/v1/images/edits');
    const images = imageParts(edit!.parts);
    expect(images.map((i) => i.name)).toEqual(['image[]', 'image[]']);
    expect(images[0]!.data.equals(TINY_PNG)).toBe(true);
    expect(images[1]!.data.equals(OTHER_PNG)).toBe(true);
  });

  it('Kling on Telegram: polled by the task system, one status message, the result a photo', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const di = fx.tg.user(44, 'Di', 'zh-CN');
    const chat = fx.tg.privateChat(44, di);
    klingImageFake(fx.api).scripts.push({ pending: 2 });
    fx.tg.sendPhoto(chat, di, {
      bytes: Buffer.from(TINY_PNG),
      caption: '/draw model:kling-v1 变成国画 ink painting 🖌',
    });
    const result = await fx.tg.waitFor(
      (f) => f.chatLog(chat.id).find((m) => m.from_bot && m.kind === 'photo'),
      10_000,
    );
    const submit = fx.api.requestsTo('POST', '/kling/v1/images/generations')[0]!.json as { image: string };
    expect(submit.image).toBe(TINY_PNG.toString('base64'));
    expect(result.text).toBe('🖼️ 变成国画 ink painting 🖌');
    expect(result.file!.bytes!.subarray(1, 4).toString()).toBe('PNG');
    const status = botMessages(chat.id)[0]!;
    await fx.tg.waitFor((f) => f.edits(chat.id, status.message_id).includes('✅ 完成（kling-v1）'), 10_000);
    const edits = fx.tg.edits(chat.id, status.message_id);
    expect(edits[0]).toBe('⏳ 正在提交…');
    expect(edits.at(-1)).toBe('✅ 完成（kling-v1）');
    expect(botMessages(chat.id).filter((m) => m.kind === 'text')).toHaveLength(1);
  });
});
