import type { Api } from 'grammy';
import type { Sharp, SharpOptions } from 'sharp';
import { request } from 'undici';
import { formatBytes } from '../../core/media.js';
import type { IncomingFile, MediaKind } from '../../core/platform.js';
import { BotError } from '../../errors.js';
import { downloadPool } from './http.js';
import {
  TELEGRAM_MAX_PHOTO_BYTES,
  TELEGRAM_MAX_PHOTO_SIDE_RATIO,
  TELEGRAM_MAX_PHOTO_SIDES_SUM_PX,
  TELEGRAM_MAX_THUMBNAIL_BYTES,
  TELEGRAM_MAX_THUMBNAIL_SIDE_PX,
} from './limits.js';

/** A cover larger than this is not downloaded to make a thumbnail of (Suno covers are ~1-2 MB). */
export const THUMBNAIL_SOURCE_MAX_BYTES = 20 * 1024 * 1024;
/** Time for a cover's response headers and body, each; a thumbnail is not worth a longer wait. */
const THUMBNAIL_DOWNLOAD_TIMEOUT_MS = 10_000;
/** Decoding a bigger image for a thumbnail is refused (a 20 MB PNG bomb could hold gigapixels). */
const THUMBNAIL_SOURCE_MAX_PIXELS = 100_000_000;
/** JPEG qualities tried in turn until the thumbnail fits Telegram's 200 kB. */
const THUMBNAIL_JPEG_QUALITIES = [85, 70, 50, 30] as const;

export interface FileSource {
  api: Api;
  apiRoot: string;
  token: string;
}

function tooLarge(name: string, size: number, max: number): BotError {
  return new BotError('input', `${name} is too large`, {
    userMessage: {
      en: `“${name}” is too large (${formatBytes(size)}); bots can download at most ${formatBytes(max)}.`,
      zh: `“${name}” 太大（${formatBytes(size)}），机器人最多只能下载 ${formatBytes(max)}。`,
    },
  });
}

/**
 * A file someone sent, fetched only when a command needs it: getFile, then a download from the
 * file path, refused above `maxBytes` before and while downloading. The download URL holds the
 * bot token, so it is never logged or shown.
 */
export function telegramFile(
  source: FileSource,
  file: { file_id: string; file_size?: number | undefined },
  kind: MediaKind,
  name: string,
  mime: string | undefined,
): IncomingFile {
  return {
    kind,
    name,
    mime,
    size: file.file_size,
    async fetch(maxBytes: number): Promise<Uint8Array> {
      if (file.file_size !== undefined && file.file_size > maxBytes)
        throw tooLarge(name, file.file_size, maxBytes);
      const info = await source.api.getFile(file.file_id);
      if (!info.file_path)
        throw new BotError('upstream', 'Telegram gave no file path', { code: 'no_file_path' });
      if (info.file_size !== undefined && info.file_size > maxBytes)
        throw tooLarge(name, info.file_size, maxBytes);
      const res = await request(`${source.apiRoot}/file/bot${source.token}/${info.file_path}`, {
        dispatcher: downloadPool,
      });
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new BotError('upstream', `Telegram file download answered ${res.statusCode}`, {
          status: res.statusCode,
        });
      }
      const parts: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          res.body.on('error', () => {});
          res.body.destroy();
          throw tooLarge(name, size, maxBytes);
        }
        parts.push(chunk as Buffer);
      }
      return new Uint8Array(Buffer.concat(parts));
    },
  };
}

type SharpFactory = (input?: Uint8Array, options?: SharpOptions) => Sharp;
let sharpLoading: Promise<SharpFactory | undefined> | undefined;

/**
 * sharp (libvips), loaded on first use: a machine where its prebuilt binary does not load still runs
 * the bot, and only loses thumbnails and the photo dimension check.
 */
function loadSharp(): Promise<SharpFactory | undefined> {
  sharpLoading ??= import('sharp').then(
    (m) => m.default as unknown as SharpFactory,
    () => undefined,
  );
  return sharpLoading;
}

/**
 * Whether an image can go through sendPhoto: at most 10 MB, width + height at most 10000 px and
 * sides at most 20:1 (Bot API, sendPhoto). Anything else, or bytes sharp cannot read, goes as a
 * document, which keeps the original file and has none of these limits.
 */
export async function fitsAsPhoto(image: Uint8Array): Promise<boolean> {
  if (image.length > TELEGRAM_MAX_PHOTO_BYTES) return false;
  const sharp = await loadSharp();
  if (!sharp) return true;
  try {
    const { width, height } = await sharp(image).metadata();
    if (!width || !height) return false;
    return (
      width + height <= TELEGRAM_MAX_PHOTO_SIDES_SUM_PX &&
      Math.max(width, height) / Math.min(width, height) <= TELEGRAM_MAX_PHOTO_SIDE_RATIO
    );
  } catch {
    return false;
  }
}

/**
 * A thumbnail Telegram takes (sendAudio, sendVideo): a JPEG of at most 320 px a side and 200 kB,
 * made from any image sharp reads (EXIF orientation applied, transparency on white), lowering the
 * JPEG quality until it fits. Undefined when it cannot be made: the file then goes without one.
 */
export async function jpegThumbnail(image: Uint8Array): Promise<Buffer | undefined> {
  const sharp = await loadSharp();
  if (!sharp) return undefined;
  try {
    const base = sharp(image, { limitInputPixels: THUMBNAIL_SOURCE_MAX_PIXELS })
      .autoOrient()
      .resize(TELEGRAM_MAX_THUMBNAIL_SIDE_PX, TELEGRAM_MAX_THUMBNAIL_SIDE_PX, {
        fit: 'inside',
        withoutEnlargement: true,
      })
      .flatten({ background: '#ffffff' });
    for (const quality of THUMBNAIL_JPEG_QUALITIES) {
      const jpeg = await base.clone().jpeg({ quality, mozjpeg: true }).toBuffer();
      if (jpeg.length <= TELEGRAM_MAX_THUMBNAIL_BYTES) return jpeg;
    }
  } catch {
    // Not an image sharp can read: no thumbnail.
  }
  return undefined;
}

/**
 * The bytes at `url` (a cover image), or undefined when they cannot be had quickly: an error status,
 * a timeout, or more than `maxBytes` (declared or received).
 */
export async function downloadSmall(url: string, maxBytes: number): Promise<Uint8Array | undefined> {
  try {
    const res = await request(url, {
      dispatcher: downloadPool,
      headersTimeout: THUMBNAIL_DOWNLOAD_TIMEOUT_MS,
      bodyTimeout: THUMBNAIL_DOWNLOAD_TIMEOUT_MS,
    });
    res.body.on('error', () => {});
    const declared = Number(res.headers['content-length'] ?? Number.NaN);
    if (res.statusCode !== 200 || declared > maxBytes) {
      res.body.destroy();
      return undefined;
    }
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        res.body.destroy();
        return undefined;
      }
      parts.push(chunk as Buffer);
    }
    return new Uint8Array(Buffer.concat(parts));
  } catch {
    return undefined;
  }
}

/** A cover at `url` made into a Telegram thumbnail (see `jpegThumbnail`), or undefined. */
export async function thumbnailFrom(url: string | undefined): Promise<Buffer | undefined> {
  if (!url) return undefined;
  const bytes = await downloadSmall(url, THUMBNAIL_SOURCE_MAX_BYTES);
  return bytes ? jpegThumbnail(bytes) : undefined;
}
