import { describe, expect, it } from 'vitest';
import { videoFake } from '../fakes/apicore/video.js';
import { FAKE_MP4, TINY_PNG } from '../fakes/apicore.js';
import { startTelegramBot } from '../helpers/telegram-app.js';
import { useTelegramFakes } from '../helpers/telegram-fakes.js';

const fx = useTelegramFakes();

const botMessages = (chatId: number) => fx.tg.chatLog(chatId).filter((m) => m.from_bot);

describe('/video on Telegram against the fakes', () => {
  it('a photo captioned /video makes an image-to-video; progress edits one status message', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const ann = fx.tg.user(31, 'Ann', 'en');
    const chat = fx.tg.privateChat(31, ann);
    videoFake(fx.api).scripts.push({ polls: 4 });
    const photo = fx.tg.sendPhoto(chat, ann, {
      bytes: Buffer.from(TINY_PNG),
      caption: '/video model:veo3-fast 让它动起来 make it move ✨',
    });
    const video = await fx.tg.waitFor((f) => f.chatLog(chat.id).find((m) => m.kind === 'video'), 10_000);
    // The photo's bytes reached the gateway, on the -frames model an image needs.
    const submit = fx.api.requestsTo('POST', '/v1/video/generations')[0]!.json as {
      model: string;
      images: string[];
      prompt: string;
    };
    expect(submit.model).toBe('veo3-fast-frames');
    expect(submit.prompt).toBe('让它动起来 make it move ✨');
    expect(Buffer.from(submit.images[0]!.split(',')[1]!, 'base64').equals(Buffer.from(TINY_PNG))).toBe(true);
    // Delivered as a video file, replying to the photo.
    expect(video.text).toBe('🎬 让它动起来 make it move ✨');
    expect(video.file!.bytes!.equals(FAKE_MP4)).toBe(true);
    expect(video.reply_to_message_id).toBe(photo.message_id);
    // One status message went through every stage.
    const status = await fx.tg.waitFor((f) => {
      const first = botMessages(chat.id)[0];
      return first && f.edits(chat.id, first.message_id).includes('✅ Veo · video delivered')
        ? first
        : undefined;
    }, 10_000);
    const edits = fx.tg.edits(chat.id, status.message_id);
    expect(edits[0]).toBe('⏳ Submitting…');
    expect(edits).toContain('🎬 Veo · queued…');
    // Edits are paced (one a second in a private chat), so a stage may be skipped, never reordered.
    const percents = edits.flatMap((e) => /^🎬 Veo · [▰▱]{10} (\d+)%$/.exec(e)?.[1] ?? []).map(Number);
    expect(percents.length).toBeGreaterThan(0);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(edits.at(-1)).toBe('✅ Veo · video delivered');
    expect(botMessages(chat.id).filter((m) => m.kind === 'text')).toHaveLength(1);
  });

  it('a Chinese user reads the progress in Chinese; Luma’s result has an Extend button', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const bo = fx.tg.user(32, 'Bo', 'zh-CN');
    const chat = fx.tg.privateChat(32, bo);
    fx.tg.sendText(chat, bo, '/video model:luma 下雪的森林 snowy forest ❄️');
    const video = await fx.tg.waitFor((f) => f.chatLog(chat.id).find((m) => m.kind === 'video'), 10_000);
    expect(video.reply_markup!.inline_keyboard.flat().map((b) => b.text)).toEqual(['⏩ 延长']);
    const status = botMessages(chat.id)[0]!;
    await fx.tg.waitFor((f) => f.edits(chat.id, status.message_id).includes('✅ Luma · 视频已发送'), 10_000);
    expect(fx.tg.edits(chat.id, status.message_id)).toEqual(
      expect.arrayContaining(['⏳ 正在提交…', '🎬 Luma · 排队中…', '✅ Luma · 视频已发送']),
    );
  });

  it('a model that needs an image, sent without one, is refused in the user’s language', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const cy = fx.tg.user(33, 'Cy', 'zh-CN');
    const chat = fx.tg.privateChat(33, cy);
    fx.tg.sendText(chat, cy, '/video model:gen3a_turbo 只有文字');
    const reply = await fx.tg.waitFor((_f) => botMessages(chat.id)[0], 5000);
    expect(reply.text).toContain('gen3a_turbo 需要图片生成视频');
    expect(fx.api.requestsTo('POST', '/runwayml/v1/image_to_video')).toHaveLength(0);
  });
});
