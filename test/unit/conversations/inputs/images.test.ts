import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it, vi } from 'vitest';
import {
  IMAGE_LIMITS,
  imageLimits,
  prepareImage,
  readImages,
} from '../../../../src/conversations/inputs/images.js';
import type { ChatInput, CommandContext } from '../../../../src/core/command.js';
import type { IncomingFile } from '../../../../src/core/platform.js';
import { BotError } from '../../../../src/errors.js';

const MB = 1024 * 1024;

/** Incompressible pixels: the worst case for every encoder. */
function noisePng(width: number, height: number, channels: 3 | 4 = 3): Promise<Buffer> {
  return sharp(randomBytes(width * height * channels), { raw: { width, height, channels } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

/** A 177-byte PNG declaring `width` × `height` pixels (a decompression bomb, cut short). */
function bombPng(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(
    Buffer.concat([
      signature,
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(Buffer.alloc(100_000))),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

async function userMessage(p: Promise<unknown>): Promise<{ en: string; zh: string }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BotError);
  return (e as BotError).userMessage!;
}

describe('image limits per model family', () => {
  it('picks Claude, OpenAI, Gemini and default limits by model id', () => {
    expect(imageLimits('claude-sonnet-4-5')).toEqual({ maxSidePx: 1568, maxBytes: 3_932_160 });
    expect(imageLimits('gpt-4o-mini').maxSidePx).toBe(2048);
    expect(imageLimits('o3-mini').maxSidePx).toBe(2048);
    expect(imageLimits('gemini-2.5-pro').maxSidePx).toBe(3072);
    expect(imageLimits('deepseek-v3')).toEqual(IMAGE_LIMITS.other);
    expect(imageLimits('anthropic/claude-opus-4:beta')).toEqual(IMAGE_LIMITS.claude);
    // Claude's 5 MB is counted on the base64 text.
    expect(Math.ceil(IMAGE_LIMITS.claude.maxBytes / 3) * 4).toBeLessThanOrEqual(5 * MB);
  });
});

describe('prepareImage', () => {
  it('turns a 25 MB photo into at most 5 MB (Claude: base64 too) and 1568 px', async () => {
    const png = await noisePng(2900, 2900);
    expect(png.length).toBeGreaterThan(25_000_000);
    const out = await prepareImage(png, IMAGE_LIMITS.claude, 'photo 照片 📷.png');
    expect(out.mime).toBe('image/jpeg');
    expect(Buffer.from(out.data).toString('base64').length).toBeLessThanOrEqual(5 * MB);
    const meta = await sharp(out.data).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([out.width, out.height]);
    expect(Math.max(out.width, out.height)).toBeLessThanOrEqual(1568);
  });

  it('applies the EXIF orientation and drops the EXIF block', async () => {
    const jpeg = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#3366cc' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const out = await prepareImage(jpeg, IMAGE_LIMITS.openai, 'sideways.jpg');
    const meta = await sharp(out.data).metadata();
    expect([meta.width, meta.height]).toEqual([100, 200]);
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation ?? 1).toBe(1);
  });

  it('sends the first frame of an animated GIF', async () => {
    const frame = (background: string) =>
      sharp({ create: { width: 40, height: 30, channels: 3, background } })
        .png()
        .toBuffer();
    const gif = await sharp([await frame('#ff0000'), await frame('#0000ff')], { join: { animated: true } })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const out = await prepareImage(gif, IMAGE_LIMITS.gemini, 'anim.gif');
    expect(out.mime).toBe('image/jpeg');
    expect([out.width, out.height]).toEqual([40, 30]);
    const { channels } = await sharp(out.data).stats();
    expect(channels[0]!.mean).toBeGreaterThan(200); // red
    expect(channels[2]!.mean).toBeLessThan(60);
  });

  it('keeps a small transparent image lossless, and a large one transparent as WebP', async () => {
    const logo = await sharp({
      create: { width: 3000, height: 1000, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const small = await prepareImage(logo, IMAGE_LIMITS.openai, 'logo.png');
    expect(small.mime).toBe('image/png');
    expect([small.width, small.height]).toEqual([2048, 683]);
    expect((await sharp(small.data).metadata()).hasAlpha).toBe(true);

    const big = await prepareImage(await noisePng(1500, 1500, 4), IMAGE_LIMITS.openai, 'noise.png');
    expect(big.mime).toBe('image/webp');
    expect(big.data.length).toBeLessThanOrEqual(IMAGE_LIMITS.openai.maxBytes);
    expect((await sharp(big.data).metadata()).hasAlpha).toBe(true);
  });

  it('sends an image that already fits unchanged', async () => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#00ff00' } })
      .png()
      .toBuffer();
    const out = await prepareImage(png, IMAGE_LIMITS.claude, 'ok.png');
    expect(out.mime).toBe('image/png');
    expect(Buffer.from(out.data).equals(png)).toBe(true);
  });

  it('refuses a decompression bomb before decoding it, in both languages', async () => {
    const msg = await userMessage(prepareImage(bombPng(100_000, 100_000), IMAGE_LIMITS.openai, '炸弹💣.png'));
    expect(msg.en).toBe(
      '“炸弹💣.png” has too many pixels to process (100000 × 100000; at most 120 megapixels).',
    );
    expect(msg.zh).toBe('“炸弹💣.png” 像素过多，无法处理（100000 × 100000，最多 120 百万像素）。');
  });

  it('refuses what is not an image', async () => {
    const msg = await userMessage(prepareImage(Buffer.from('hello 你好'), IMAGE_LIMITS.openai, 'a.png'));
    expect(msg.en).toContain('is not an image I can read');
    expect(msg.zh).toContain('不是可识别的图片');
  });
});

describe('readImages', () => {
  const ctx = { limits: { maxDownloadBytes: 20 * MB } } as unknown as CommandContext<unknown>;
  const input = (images: IncomingFile[]): ChatInput => ({ text: '', images, files: [], audio: [] });

  it('refuses an image declared too large before any download', async () => {
    const fetch = vi.fn(async () => new Uint8Array());
    const files: IncomingFile[] = [
      { kind: 'image', name: 'fine.png', size: 1000, fetch },
      { kind: 'image', name: '大图 🖼️.png', size: 30 * MB, fetch },
    ];
    const msg = await userMessage(readImages(ctx, input(files), 'gpt-4o'));
    expect(msg.en).toBe('“大图 🖼️.png” is too large (30.0 MB; at most 20.0 MB).');
    expect(msg.zh).toBe('“大图 🖼️.png” 太大（30.0 MB，最多 20.0 MB）。');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('returns data URLs at the model’s size, one image at a time', async () => {
    let open = 0;
    let most = 0;
    const file = (name: string, bytes: Buffer): IncomingFile => ({
      kind: 'image',
      name,
      size: bytes.length,
      fetch: async () => {
        open++;
        most = Math.max(most, open);
        queueMicrotask(() => open--);
        return new Uint8Array(bytes);
      },
    });
    const png = await noisePng(1800, 1200);
    const urls = await readImages(ctx, input([file('a.png', png), file('b.png', png)]), 'claude-opus-4-1');
    expect(urls).toHaveLength(2);
    for (const url of urls) {
      expect(url.startsWith('data:image/jpeg;base64,')).toBe(true);
      const meta = await sharp(Buffer.from(url.split(',')[1]!, 'base64')).metadata();
      expect(meta.width).toBe(1568);
    }
    expect(most).toBe(1);
  });
});
