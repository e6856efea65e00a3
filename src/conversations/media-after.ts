import type { CommandContext } from '../core/command.js';
import { downloadAsFile } from '../core/media.js';
import { extractMediaLinks } from './media-links.js';

/** Images, audio and video linked in an answer, sent after it as real attachments. */
export async function sendMediaLinks(ctx: CommandContext<unknown>, answer: string): Promise<void> {
  const links = extractMediaLinks(answer);
  if (links.length === 0) return;
  const files = (
    await Promise.all(
      links.map((link, i) =>
        downloadAsFile(
          ctx.apicore,
          link.url,
          {
            kind: link.kind,
            name: `${link.kind}-${i + 1}${extension(link.url, link.kind)}`,
            title: link.label || undefined,
          },
          ctx.limits.maxUploadBytes,
          ctx.signal,
        ),
      ),
    )
  ).filter((f) => f !== undefined);
  for (const file of files) await ctx.reply(file.title ?? '', { files: [file] });
}

function extension(url: string, kind: string): string {
  const m = /\.(\w{2,4})(?:[?#]|$)/.exec(url.split(/[?#]/)[0] ?? '');
  return m ? `.${m[1]}` : kind === 'image' ? '.png' : kind === 'audio' ? '.mp3' : '.mp4';
}
