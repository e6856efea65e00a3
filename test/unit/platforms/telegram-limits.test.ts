import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { fitsAsPhoto, jpegThumbnail } from '../../../src/platforms/telegram/files.js';
import { telegramLimits } from '../../../src/platforms/telegram/limits.js';
import {
  codePoints,
  telegramLength,
  toTelegramHtml,
  visibleLength,
} from '../../../src/platforms/telegram/markdown.js';
import { TINY_PNG } from '../../fakes/apicore.js';
import { parseTelegramHtml } from '../../fakes/telegram/html.js';
import { listHeavyAnswer } from '../../helpers/list-heavy.js';
import { mixedAnswer } from '../../helpers/streams.js';

/** Code points of the text the fake's tdlib-like parser leaves of some HTML. */
const parsedLength = (html: string): number => [...parseTelegramHtml(html).text].length;

/** An image that does not compress (PNG or JPEG), `width` x `height`, deterministic. */
function noisyImage(width: number, height: number, channels: 3 | 4 = 3): Sharp {
  const raw = Buffer.alloc(width * height * channels);
  let x = 12345;
  for (let i = 0; i < raw.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    raw[i] = x >>> 24;
  }
  return sharp(raw, { raw: { width, height, channels } });
}

describe('Telegram lengths', () => {
  it('counts code points of the parsed text: tags nothing, an entity one, an emoji one', () => {
    expect(codePoints('a😀中👨‍👩‍👧')).toBe(1 + 1 + 1 + 5);
    const html =
      '<b>粗体</b> &lt;tag&gt; &amp; <code>a&lt;b</code> 😀 <a href="https://x.y/?a=1&amp;b=2">link</a>';
    expect(visibleLength(html)).toBe(parsedLength(html));
    expect(visibleLength(html)).toBe([...'粗体 <tag> & a<b 😀 link'].length);
  });

  it('never counts less than Telegram would, for the HTML and for the plain-text fallback', () => {
    const samples = [
      listHeavyAnswer(3000, 1),
      listHeavyAnswer(2000, 9),
      mixedAnswer(12),
      '# 标题 Title\n\n> quote & <b>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [ ] todo ☐\n- [x] done 😀',
      '1. one\n1. two\n1. three\n1. four\n1. five\n1. six\n1. seven\n1. eight\n1. nine\n1. ten 十',
    ];
    for (const md of samples) {
      expect(telegramLength(md)).toBeGreaterThanOrEqual(parsedLength(toTelegramHtml(md)));
      expect(telegramLength(md)).toBeGreaterThanOrEqual(codePoints(md));
    }
  });

  it('is what the Telegram adapter declares, so the renderer splits by it', () => {
    const limits = telegramLimits({ platform: 'telegram', id: '1', kind: 'private' });
    expect(limits.measure).toBe(telegramLength);
    expect(limits.maxChars).toBe(4096);
    expect(limits.maxCaptionChars).toBe(1024);
  });
});

describe('Telegram images', () => {
  it('a photo goes as a photo up to 10 MB and sane dimensions, otherwise as a document', async () => {
    expect(await fitsAsPhoto(TINY_PNG)).toBe(true);
    const big = Buffer.concat([TINY_PNG, Buffer.alloc(11 * 1024 * 1024, 7)]);
    expect(await fitsAsPhoto(big)).toBe(false);
    const wide = await sharp({ create: { width: 9000, height: 1200, channels: 3, background: '#39f' } })
      .png()
      .toBuffer();
    expect(wide.length).toBeLessThan(1024 * 1024);
    expect(await fitsAsPhoto(wide)).toBe(false); // width + height over 10000
    const strip = await sharp({ create: { width: 2100, height: 100, channels: 3, background: '#000' } })
      .jpeg()
      .toBuffer();
    expect(await fitsAsPhoto(strip)).toBe(false); // sides over 20:1
    expect(await fitsAsPhoto(Buffer.from('not an image 不是图片'))).toBe(false);
  });

  it('a cover becomes a JPEG thumbnail of at most 320 px a side and 200 kB', async () => {
    const cover = await noisyImage(1200, 900).png().toBuffer();
    expect(cover.length).toBeGreaterThan(1024 * 1024);
    const thumb = (await jpegThumbnail(cover))!;
    expect(thumb.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(thumb.length).toBeLessThanOrEqual(200 * 1024);
    expect(await sharp(thumb).metadata()).toMatchObject({ format: 'jpeg', width: 320, height: 240 });
  });

  it('keeps a small cover small, flattens transparency, and gives up on what is not an image', async () => {
    const tiny = (await jpegThumbnail(TINY_PNG))!;
    expect(await sharp(tiny).metadata()).toMatchObject({ format: 'jpeg', width: 1, height: 1 });
    const clear = await sharp({
      create: { width: 400, height: 800, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const flat = (await jpegThumbnail(clear))!;
    expect(await sharp(flat).metadata()).toMatchObject({ format: 'jpeg', width: 160, height: 320 });
    const { data } = await sharp(flat).raw().toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeGreaterThan(240); // white, not black
    expect(await jpegThumbnail(Buffer.from('<html>not an image</html>'))).toBeUndefined();
  });
});
