import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { BotError } from '../../errors.js';

/** Reads a local file, refusing one larger than `maxBytes` before reading it. */
export async function readLocalFile(path: string, maxBytes: number): Promise<Uint8Array> {
  const { size } = await stat(path);
  if (size > maxBytes) {
    const name = basename(path);
    throw new BotError('input', `${name} is too large`, {
      userMessage: {
        en: `${name} is too large (${size} bytes; at most ${maxBytes}).`,
        zh: `${name} 太大（${size} 字节；最多 ${maxBytes}）。`,
      },
    });
  }
  return new Uint8Array(await readFile(path));
}
