import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { toTelegramHtml } from '../../src/platforms/telegram/markdown.js';
import { splitMessage } from '../../src/render/split.js';
import { chatChunks, TINY_PNG } from '../fakes/apicore.js';
import { parseTelegramHtml } from '../fakes/telegram/html.js';
import type { RecordedCall } from '../fakes/telegram/types.js';
import { FakeTelegram } from '../fakes/telegram.js';
import { listHeavyAnswer } from '../helpers/list-heavy.js';
import { startTelegramBot } from '../helpers/telegram-app.js';
import { useTelegramFakes } from '../helpers/telegram-fakes.js';

/** Telegram's limits as the fake enforces them (code points after entity parsing). */
const TEXT_LIMIT_CHARS = 4096;
const THUMBNAIL_MAX_BYTES = 200 * 1024;
const THUMBNAIL_MAX_SIDE_PX = 320;

const fx = useTelegramFakes();

const botMessages = (chatId: number) => fx.tg.chatLog(chatId).filter((m) => m.from_bot);
/**
 * Every visible character once and in order, line breaks between and inside messages aside, and the
 * numbers of ordered-list items: a list numbered "1." throughout, cut between two messages, counts
 * from 1 again in the second (Telegram shows what each message's markdown says).
 */
const content = (s: string): string => s.replace(/^\s*\d+\.\s/gm, '').replace(/\s+/g, '');
/** What the user sees of a markdown answer, rendered whole, as Telegram's parser leaves it. */
const visibleText = (markdown: string): string => parseTelegramHtml(toTelegramHtml(markdown)).text;

/** The thumbnail file a sendAudio/sendVideo call uploaded, if any. */
function thumbnailOf(call: RecordedCall): Buffer | undefined {
  const ref = call.params.thumbnail;
  if (typeof ref !== 'string' || !ref.startsWith('attach://')) return undefined;
  return call.files.find((f) => f.name === ref.slice('attach://'.length))?.bytes;
}

/** A PNG that does not compress (about 3 MB), as a model's cover art can be. */
function noisyPng(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  let x = 99;
  for (let i = 0; i < raw.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    raw[i] = x >>> 24;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

describe("Telegram's own limits, with the real grammY client against the fake Bot API", () => {
  const answer = listHeavyAnswer(5000);

  it('the list-heavy answer is one Telegram refuses when split by its markdown', () => {
    expect(answer.length).toBeGreaterThanOrEqual(5000);
    expect(answer).toMatch(/<.*&|&.*</);
    expect(answer).toMatch(/[\u4e00-\u9fff]/);
    expect(answer).toMatch(/\p{Extended_Pictographic}/u);
    expect(answer).toContain('**');
    expect(answer).toContain('`');
    // Cut at 4096 code units of markdown, as before, the first message renders longer than 4096.
    const [first] = splitMessage(answer, TEXT_LIMIT_CHARS);
    expect([...visibleText(first!)].length).toBeGreaterThan(TEXT_LIMIT_CHARS);
  });

  for (const drafts of [true, false]) {
    it(`a 5,000-character list-heavy answer arrives whole, with no refused call (${drafts ? 'drafts' : 'live edits'})`, async () => {
      if (!drafts) {
        await fx.tg.close();
        fx.tg = await FakeTelegram.start({ botUsername: 'apicore_test_bot', draftsSupported: false });
      }
      fx.bot = await startTelegramBot(fx.tg, fx.api);
      const user = fx.tg.user(51, 'Mia', 'zh-CN');
      const chat = fx.tg.privateChat(51, user);
      fx.api.enqueue('POST /v1/chat/completions', {
        kind: 'sse',
        events: chatChunks(answer, { pieces: 12 }),
        delayMs: 120,
      });
      fx.tg.sendText(chat, user, '列出所有水果 list every fruit');
      const expected = content(visibleText(answer));
      await fx.tg.waitFor(
        () =>
          content(
            botMessages(chat.id)
              .map((m) => m.text)
              .join('\n'),
          ) === expected,
        15_000,
      );
      const messages = botMessages(chat.id);
      expect(messages.length).toBeGreaterThanOrEqual(2);
      for (const m of messages) {
        expect([...m.text].length).toBeLessThanOrEqual(TEXT_LIMIT_CHARS);
        expect(m.parse_mode).toBe('HTML');
      }
      // Without drafts, the only refusal is the server saying it has none (404, asked once).
      const refused = fx.tg.errors.map((e) => `${e.method}: ${e.description}`);
      expect(refused).toEqual(drafts ? [] : ['sendMessageDraft: Not Found: method not found']);
      if (drafts) {
        expect(fx.tg.drafts(chat.id).length).toBeGreaterThanOrEqual(2);
        expect(fx.tg.callsTo('editMessageText')).toHaveLength(0);
      } else {
        expect(fx.tg.callsTo('editMessageText').length).toBeGreaterThanOrEqual(2);
      }
    });
  }

  it('a 12 MB Midjourney result arrives as a document, not a refused photo', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const user = fx.tg.user(52, 'Noa', 'en');
    const chat = fx.tg.privateChat(52, user);
    // A valid PNG padded to 12 MB, as a large upscale can be; sendPhoto takes at most 10 MB.
    const huge = Buffer.concat([TINY_PNG, Buffer.alloc(12 * 1024 * 1024, 0x2a)]);
    fx.api.enqueue('GET /files/grid.png', { kind: 'binary', contentType: 'image/png', body: huge });
    fx.tg.sendText(chat, user, '/imagine 一座城堡 a castle 🏰');
    const result = await fx.tg.waitFor(
      (f) => f.chatLog(chat.id).find((m) => m.from_bot && m.kind === 'document'),
      15_000,
    );
    expect(result.file!.bytes!.equals(huge)).toBe(true);
    expect(result.file!.mime).toBe('image/png');
    expect(result.text).toContain('a castle');
    expect(result.reply_markup!.inline_keyboard.flat().map((b) => b.text)).toEqual(
      expect.arrayContaining(['U1', 'V1', '🔄']),
    );
    expect(fx.tg.callsTo('sendPhoto')).toHaveLength(0);
    expect(fx.tg.errors).toEqual([]);
  });

  it('song covers become JPEG thumbnails of at most 200 kB and 320 px; a cover that is no image is left out', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const user = fx.tg.user(53, 'Oli', 'en');
    const chat = fx.tg.privateChat(53, user);
    const cover = await noisyPng(1200, 900);
    expect(cover.length).toBeGreaterThan(THUMBNAIL_MAX_BYTES);
    fx.api.enqueue(
      'GET /files/cover-*',
      { kind: 'binary', contentType: 'image/png', body: cover },
      { kind: 'binary', contentType: 'image/png', body: Buffer.from('<html>gateway error 网关错误</html>') },
    );
    fx.tg.sendText(chat, user, '/song 夏天的海边 a summer song 🌊');
    await fx.tg.waitFor((f) => f.chatLog(chat.id).filter((m) => m.kind === 'audio').length === 2, 15_000);
    expect(fx.api.requestsTo('GET', '/files/cover-*')).toHaveLength(2);
    const thumbs = fx.tg.callsTo('sendAudio').map(thumbnailOf);
    expect(thumbs).toHaveLength(2);
    const made = thumbs.filter((t) => t !== undefined);
    expect(made).toHaveLength(1);
    const thumb = made[0]!;
    expect(thumb.length).toBeLessThanOrEqual(THUMBNAIL_MAX_BYTES);
    const meta = await sharp(thumb).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.width).toBeLessThanOrEqual(THUMBNAIL_MAX_SIDE_PX);
    expect(meta.height).toBeLessThanOrEqual(THUMBNAIL_MAX_SIDE_PX);
    expect(Math.max(meta.width!, meta.height!)).toBe(THUMBNAIL_MAX_SIDE_PX);
    const audio = fx.tg.chatLog(chat.id).filter((m) => m.kind === 'audio');
    expect(audio.filter((m) => m.message.audio?.thumbnail !== undefined)).toHaveLength(1);
    expect(fx.tg.errors).toEqual([]);
  });
});
