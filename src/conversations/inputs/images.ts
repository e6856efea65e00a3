import type { ChatInput, CommandContext } from '../../core/command.js';
import { t } from '../../core/i18n.js';
import { sniffImage, toDataUrl } from '../../core/media.js';
import { inputError } from '../../errors.js';

const NOT_AN_IMAGE = {
  en: '“{name}” is not an image I can read (PNG, JPEG, GIF or WebP).',
  zh: '“{name}” 不是可识别的图片（支持 PNG、JPEG、GIF、WebP）。',
};

/** The question's images, as data URLs. */
export async function readImages(ctx: CommandContext<unknown>, input: ChatInput): Promise<string[]> {
  const urls: string[] = [];
  for (const file of input.images) {
    const bytes = await file.fetch(ctx.limits.maxDownloadBytes);
    const mime = sniffImage(bytes);
    if (!mime) {
      const e = inputError(
        t('en', NOT_AN_IMAGE, { name: file.name }),
        t('zh', NOT_AN_IMAGE, { name: file.name }),
      );
      throw e;
    }
    urls.push(toDataUrl(bytes, mime));
  }
  return urls;
}
