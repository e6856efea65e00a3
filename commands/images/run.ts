import type { GeneratedImage, ImageUpload } from '../../src/core/apicore.js';
import type { CommandContext } from '../../src/core/command.js';
import type { Localized } from '../../src/core/i18n.js';
import { downloadAsFile, parseDataUrl, sniffImage, toDataUrl } from '../../src/core/media.js';
import type { MessageRef, OutgoingFile } from '../../src/core/platform.js';
import type { ImageBytes } from '../lib/images.js';

export const TEXT = {
  drawing: { en: '🖌️ {label} · drawing…', zh: '🖌️ {label} · 绘制中…' },
  percent: { en: '🖌️ {label} · drawing… {percent}%', zh: '🖌️ {label} · 绘制中… {percent}%' },
  done: { en: '✅ Done ({model})', zh: '✅ 完成（{model}）' },
  failed: { en: '❌ {label}: no image. {reason}', zh: '❌ {label}：未生成图片。{reason}' },
} satisfies Record<string, Localized>;

export function upload(image: ImageBytes, i: number): ImageUpload {
  const ext = image.mime.split('/')[1] === 'jpeg' ? 'jpg' : image.mime.split('/')[1];
  return { data: image.data, mime: image.mime, filename: `image-${i + 1}.${ext}` };
}

export function dataUrlOf(image: ImageBytes): string {
  return toDataUrl(image.data, image.mime);
}

/** `![alt](url)` image links in a chat answer (http(s) or data URLs), in order, each once. */
export function markdownImages(text: string): string[] {
  const urls = [...text.matchAll(/!\[[^\]]*\]\(\s*<?((?:https?:\/\/|data:image\/)[^)\s>]+)>?[^)]*\)/g)].map(
    (m) => m[1]!,
  );
  return [...new Set(urls)];
}

/** The last percentage a chat answer's progress lines mention (`进度 12..40..`, `57%`). */
function lastPercent(text: string): number | undefined {
  const all = [...text.matchAll(/(\d{1,3})(?=\s*%|\.\.)/g)].map((m) => Number(m[1]));
  const last = all.at(-1);
  return last !== undefined && last <= 100 ? last : undefined;
}

/** What a failed chat answer said, shortened: its last non-empty lines without link syntax. */
function tail(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.replace(/^>\s*/, '').trim())
    .filter(Boolean);
  return lines.slice(-2).join(' ').slice(0, 300);
}

/**
 * A chat-format image model (gpt-4o-image, sora_image, catalogue §4.3): the answer streams, its
 * progress is edited into the status line, and the image links it ends with become images.
 */
export async function chatImages(
  ctx: CommandContext<unknown>,
  status: MessageRef,
  req: { model: string; label: string; prompt: string; images: string[] },
): Promise<GeneratedImage[] | undefined> {
  const content = req.images.length
    ? [
        { type: 'text' as const, text: req.prompt },
        ...req.images.map((url) => ({ type: 'image_url' as const, image_url: { url } })),
      ]
    : req.prompt;
  let text = '';
  let shown = '';
  for await (const event of ctx.apicore.chatStream(
    { model: req.model, messages: [{ role: 'user', content }] },
    { signal: ctx.signal },
  )) {
    if (event.type !== 'text') continue;
    text += event.text;
    const percent = lastPercent(text);
    const next =
      percent === undefined
        ? ctx.t(TEXT.drawing, { label: req.label })
        : ctx.t(TEXT.percent, { label: req.label, percent });
    if (next !== shown) {
      shown = next;
      await ctx.edit(status, next);
    }
  }
  const urls = markdownImages(text);
  if (urls.length === 0) {
    await ctx.edit(status, ctx.t(TEXT.failed, { label: req.label, reason: tail(text) }));
    return undefined;
  }
  return urls.map((url) => {
    const inline = parseDataUrl(url);
    return inline ? { data: Buffer.from(inline.base64, 'base64') } : { url };
  });
}

/** Sends the images as photos: inline bytes as they are, links downloaded (a link if too large). */
export async function deliverImages(
  ctx: CommandContext<unknown>,
  images: GeneratedImage[],
  caption: string,
): Promise<void> {
  const files: OutgoingFile[] = [];
  const links: string[] = [];
  for (const [i, image] of images.entries()) {
    if ('data' in image) {
      const mime = sniffImage(image.data) ?? 'image/png';
      const ext = mime === 'image/jpeg' ? 'jpg' : mime.split('/')[1];
      files.push({ kind: 'image', name: `image-${i + 1}.${ext}`, data: image.data, mime });
      continue;
    }
    const name = `image-${i + 1}.png`;
    const file = await downloadAsFile(
      ctx.apicore,
      image.url,
      { kind: 'image', name },
      ctx.limits.maxUploadBytes,
      ctx.signal,
    );
    if (file) {
      const ext =
        file.mime === 'image/jpeg' ? 'jpg' : file.mime?.startsWith('image/') ? file.mime.slice(6) : 'png';
      files.push({ ...file, name: `image-${i + 1}.${ext}` });
    } else links.push(image.url);
  }
  const text = [caption.slice(0, ctx.limits.maxCaptionChars - 200), ...links].join('\n');
  await ctx.reply(text, { files });
}
