import type { CommandContext } from '../../src/core/command.js';
import { formatBytes, sniffImage, toDataUrl } from '../../src/core/media.js';
import type { IncomingFile } from '../../src/core/platform.js';
import { inputError } from '../../src/errors.js';

/**
 * Reads an image a user sent: refuses one over the platform's download limit before fetching it,
 * and anything whose bytes are not PNG, JPEG, GIF or WebP. Returns a data URL.
 */
export async function readImage(ctx: CommandContext<unknown>, file: IncomingFile): Promise<string> {
  const max = ctx.limits.maxDownloadBytes;
  if (file.size !== undefined && file.size > max) {
    throw inputError(
      `The image is too large (${formatBytes(file.size)}); the limit is ${formatBytes(max)}.`,
      `图片太大（${formatBytes(file.size)}），上限为 ${formatBytes(max)}。`,
    );
  }
  const bytes = await file.fetch(max);
  const mime = sniffImage(bytes);
  if (!mime) {
    throw inputError(
      `“${file.name}” is not an image I can read (PNG, JPEG, GIF or WebP).`,
      `“${file.name}” 不是可识别的图片（支持 PNG、JPEG、GIF、WebP）。`,
    );
  }
  return toDataUrl(bytes, mime);
}
