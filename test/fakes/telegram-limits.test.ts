import { Bot, GrammyError, InputFile } from 'grammy';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TINY_PNG } from './apicore.js';
import { FakeTelegram } from './telegram.js';

let fake: FakeTelegram;
let bot: Bot;

async function refusal(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GrammyError);
  return (err as GrammyError).description;
}

const image = (width: number, height: number, format: 'png' | 'jpeg') =>
  sharp({ create: { width, height, channels: 3, background: '#c33' } })
    [format]()
    .toBuffer();

beforeEach(async () => {
  fake = await FakeTelegram.start({ botUsername: 'apicore_test_bot' });
  bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot }, botInfo: fake.botInfo });
});
afterEach(async () => {
  await fake.close();
});

describe("FakeTelegram enforces Telegram's own limits", () => {
  it('counts text and captions in code points after entity parsing', async () => {
    const chat = fake.privateChat(61, fake.user(61, 'Pia'));
    // 4096 emoji are 8192 UTF-16 units, and still 4096 characters for Telegram (tdlib's utf8_length).
    await bot.api.sendMessage(chat.id, `<b>${'😀'.repeat(4096)}</b>`, { parse_mode: 'HTML' });
    // `&lt;` is one character: 16384 characters of HTML, 4096 of text.
    await bot.api.sendMessage(chat.id, '&lt;'.repeat(4096), { parse_mode: 'HTML' });
    expect(await refusal(bot.api.sendMessage(chat.id, `中${'😀'.repeat(4096)}`))).toBe(
      'Bad Request: message is too long',
    );
    expect(
      await refusal(bot.api.sendMessage(chat.id, `<i>${'&amp;'.repeat(4097)}</i>`, { parse_mode: 'HTML' })),
    ).toBe('Bad Request: message is too long');
    const photo = () => new InputFile(TINY_PNG, 'p.png');
    await bot.api.sendPhoto(chat.id, photo(), { caption: `<b>${'字'.repeat(1024)}</b>`, parse_mode: 'HTML' });
    expect(await refusal(bot.api.sendPhoto(chat.id, photo(), { caption: '🎉'.repeat(1025) }))).toBe(
      'Bad Request: message caption is too long',
    );
    expect(fake.chatLog(chat.id)).toHaveLength(3);
    expect(fake.unexpected).toEqual([]);
  });

  it('takes photos up to 10 MB with sane dimensions; a document takes the rest', async () => {
    const chat = fake.privateChat(62, fake.user(62, 'Quin'));
    const big = Buffer.concat([TINY_PNG, Buffer.alloc(10 * 1024 * 1024)]);
    expect(await refusal(bot.api.sendPhoto(chat.id, new InputFile(big, 'big.png')))).toBe(
      'Bad Request: PHOTO_INVALID_DIMENSIONS',
    );
    const wide = await image(9000, 1200, 'png');
    expect(await refusal(bot.api.sendPhoto(chat.id, new InputFile(wide, 'wide.png')))).toBe(
      'Bad Request: PHOTO_INVALID_DIMENSIONS',
    );
    const strip = await image(2100, 100, 'jpeg');
    expect(await refusal(bot.api.sendPhoto(chat.id, new InputFile(strip, 'strip.jpg')))).toBe(
      'Bad Request: PHOTO_INVALID_DIMENSIONS',
    );
    await bot.api.sendPhoto(chat.id, new InputFile(await image(5000, 5000, 'jpeg'), 'square.jpg'));
    await bot.api.sendDocument(chat.id, new InputFile(big, 'big.png'));
    await bot.api.sendDocument(chat.id, new InputFile(wide, 'wide.png'));
    expect(fake.chatLog(chat.id).map((m) => m.kind)).toEqual(['photo', 'document', 'document']);
    expect(fake.unexpected).toEqual([]);
  });

  it('takes a thumbnail only as a JPEG of at most 200 kB and 320 px a side', async () => {
    const chat = fake.privateChat(63, fake.user(63, 'Rex'));
    const audio = () => new InputFile(Buffer.from([0xff, 0xfb, 0x90, 0x64, 1, 2, 3]), 'song.mp3');
    const thumb = await image(320, 200, 'jpeg');
    const sent = await bot.api.sendAudio(chat.id, audio(), { thumbnail: new InputFile(thumb, 'cover.jpg') });
    expect(sent.audio.thumbnail).toMatchObject({ width: 320, height: 200 });
    for (const bad of [await image(100, 100, 'png'), await image(400, 300, 'jpeg')]) {
      const description = await refusal(
        bot.api.sendAudio(chat.id, audio(), { thumbnail: new InputFile(bad, 'cover.jpg') }),
      );
      expect(description).toMatch(/^Bad Request: thumbnail must be a JPEG of at most 200 kB and 320x320 px/);
    }
    expect(fake.unexpected).toHaveLength(2);
    expect(fake.chatLog(chat.id)).toHaveLength(1);
  });
});
