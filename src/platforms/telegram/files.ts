import type { Api } from 'grammy';
import { request } from 'undici';
import { formatBytes } from '../../core/media.js';
import type { IncomingFile, MediaKind } from '../../core/platform.js';
import { BotError } from '../../errors.js';
import { downloadPool } from './http.js';

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
