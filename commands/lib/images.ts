import type { CommandContext } from '../../src/core/command.js';
import { formatBytes, sniffImage, toDataUrl } from '../../src/core/media.js';
import type { IncomingFile } from '../../src/core/platform.js';
import { inputError } from '../../src/errors.js';

/** An image a user sent, checked: its bytes and the type its first bytes say. */
export interface ImageBytes {
  name: string;
  data: Uint8Array;
  mime: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';
}

/**
 * Reads an image a user sent: refuses one over the platform's download limit before fetching it,
 * and anything whose bytes are not PNG, JPEG, GIF or WebP.
 */
export async function readImageBytes(ctx: CommandContext<unknown>, file: IncomingFile): Promise<ImageBytes> {
  const max = ctx.limits.maxDownloadBytes;
  if (file.size !== undefined && file.size > max) {
    throw inputError(
      `The image is too large (${formatBytes(file.size)}); the limit is ${formatBytes(max)}.`,
      `图片太大（${formatBytes(file.size)}），上限为 ${formatBytes(max)}。`,
    );
  }
  const data = await file.fetch(max);
  const mime = sniffImage(data);
  if (!mime) {
    throw inputError(
      `“${file.name}” is not an image I can read (PNG, JPEG, GIF or WebP).`,
      `“${file.name}” 不是可识别的图片（支持 PNG、JPEG、GIF、WebP）。`,
    );
  }
  return { name: file.name, data, mime };
}

/** Like `readImageBytes`, as a data URL (vision models, Midjourney, video families). */
export async function readImage(ctx: CommandContext<unknown>, file: IncomingFile): Promise<string> {
  const image = await readImageBytes(ctx, file);
  return toDataUrl(image.data, image.mime);
}

/** A PNG's width and height from its IHDR chunk; undefined for anything else. */
export function pngSize(data: Uint8Array): { width: number; height: number } | undefined {
  if (data.length < 24 || sniffImage(data) !== 'image/png') return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
