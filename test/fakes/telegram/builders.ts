import type { Chat, User } from 'grammy/types';

/** A human Telegram user. `name` becomes first_name and (lower-cased, non-word chars removed) the username. */
export function tgUser(id: number, name: string, languageCode?: string): User {
  const username = name.toLowerCase().replace(/[^a-z0-9_]/g, '');
  return {
    id,
    is_bot: false,
    first_name: name,
    ...(username.length >= 5 ? { username } : {}),
    ...(languageCode !== undefined ? { language_code: languageCode } : {}),
  };
}

/** The private chat with `user` (its id is the user's id in real Telegram; pass the same). */
export function privateChat(id: number, user: User): Chat.PrivateChat {
  return {
    id,
    type: 'private',
    first_name: user.first_name,
    ...(user.last_name !== undefined ? { last_name: user.last_name } : {}),
    ...(user.username !== undefined ? { username: user.username } : {}),
  };
}

/** A supergroup. Its id is always negative: a positive `id` becomes `-(1_000_000_000_000 + id)` like real ones. */
export function groupChat(id: number, title: string): Chat.SupergroupChat {
  return { id: id < 0 ? id : -(1_000_000_000_000 + id), type: 'supergroup', title };
}

const MIME_BY_EXT: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  wav: 'audio/wav',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  opus: 'audio/ogg',
  flac: 'audio/flac',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  json: 'application/json',
  zip: 'application/zip',
  csv: 'text/csv',
};

export function mimeFromName(filename: string | undefined): string | undefined {
  const ext = filename?.split('.').pop()?.toLowerCase();
  return ext ? MIME_BY_EXT[ext] : undefined;
}

export function extFromMime(mime: string | undefined): string | undefined {
  for (const [ext, m] of Object.entries(MIME_BY_EXT)) if (m === mime) return ext;
  return undefined;
}

/** Recognise the image formats Telegram accepts for sendPhoto. */
export function imageFormat(bytes: Buffer): 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | undefined {
  if (
    bytes.length >= 8 &&
    bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  )
    return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.subarray(0, 6).toString('latin1'))) return 'gif';
  if (
    bytes.length >= 12 &&
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  )
    return 'webp';
  if (bytes.length >= 2 && bytes.subarray(0, 2).toString('latin1') === 'BM') return 'bmp';
  return undefined;
}

/** Width and height of a PNG/JPEG/GIF; a plausible default otherwise. */
export function imageSize(bytes: Buffer): { width: number; height: number } {
  const fmt = imageFormat(bytes);
  if (fmt === 'png' && bytes.length >= 24)
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  if (fmt === 'gif' && bytes.length >= 10)
    return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  if (fmt === 'jpeg') {
    let i = 2;
    while (i + 9 < bytes.length && bytes[i] === 0xff) {
      const marker = bytes[i + 1]!;
      const len = bytes.readUInt16BE(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: bytes.readUInt16BE(i + 7), height: bytes.readUInt16BE(i + 5) };
      }
      i += 2 + len;
    }
  }
  return { width: 512, height: 512 };
}
