import type { ApiCore } from './apicore.js';
import type { OutgoingFile } from './platform.js';

/** Image types every vision model and Midjourney accept, recognised by their first bytes. */
export function sniffImage(
  bytes: Uint8Array,
): 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | undefined {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) return 'image/gif';
  if (
    b.length >= 12 &&
    b[0] === 0x52 &&
    b[1] === 0x49 &&
    b[2] === 0x46 &&
    b[3] === 0x46 &&
    b[8] === 0x57 &&
    b[9] === 0x45 &&
    b[10] === 0x42 &&
    b[11] === 0x50
  )
    return 'image/webp';
  return undefined;
}

export function toDataUrl(bytes: Uint8Array, mime: string): string {
  return `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;
}

/** data:<mime>;base64,<data> → its parts, or undefined for anything else. */
export function parseDataUrl(url: string): { mime: string; base64: string } | undefined {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return m ? { mime: m[1]!, base64: m[2]! } : undefined;
}

/** 12345678 → "11.8 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Downloads a result so it can be sent as a real attachment. Undefined when it is larger than
 * `maxBytes` or cannot be fetched; the caller then posts the link instead.
 */
export async function downloadAsFile(
  apicore: ApiCore,
  url: string,
  file: Omit<OutgoingFile, 'url' | 'data'>,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<OutgoingFile | undefined> {
  try {
    const got = await apicore.download(url, { maxBytes, signal });
    const mime = file.kind === 'image' ? (sniffImage(got.data) ?? got.mime) : got.mime || file.mime;
    return { ...file, url, data: got.data, mime: mime || undefined };
  } catch {
    return undefined;
  }
}
