import { type Dispatcher, request } from 'undici';
import { formatBytes } from '../../core/media.js';
import { BotError } from '../../errors.js';

const DOWNLOAD_TIMEOUT_MS = 30_000;

function tooLarge(name: string, size: number, maxBytes: number): BotError {
  const en = `“${name}” is too large (${formatBytes(size)}); the limit is ${formatBytes(maxBytes)}.`;
  const zh = `“${name}” 太大（${formatBytes(size)}），上限为 ${formatBytes(maxBytes)}。`;
  return new BotError('input', en, { userMessage: { en, zh } });
}

/**
 * Downloads a user's attachment, refusing it as soon as it is known to be larger than
 * `maxBytes`: by its declared size, its Content-Length, or the bytes counted while reading.
 */
export async function downloadAttachment(
  dispatcher: Dispatcher,
  url: string,
  name: string,
  declaredSize: number | undefined,
  maxBytes: number,
): Promise<Uint8Array> {
  if (declaredSize !== undefined && declaredSize > maxBytes) throw tooLarge(name, declaredSize, maxBytes);
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(url, {
      dispatcher,
      headersTimeout: DOWNLOAD_TIMEOUT_MS,
      bodyTimeout: DOWNLOAD_TIMEOUT_MS,
    });
  } catch (error) {
    throw new BotError('network', `downloading the attachment “${name}” failed`, { cause: error });
  }
  if (res.statusCode < 200 || res.statusCode >= 300) {
    res.body.destroy();
    throw new BotError('upstream', `downloading the attachment “${name}” answered ${res.statusCode}`, {
      status: res.statusCode,
    });
  }
  const length = Number(res.headers['content-length']);
  if (Number.isFinite(length) && length > maxBytes) {
    res.body.destroy();
    throw tooLarge(name, length, maxBytes);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > maxBytes) {
      res.body.destroy();
      throw tooLarge(name, total, maxBytes);
    }
    chunks.push(buf);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
