/**
 * About how long an audio file plays, from its bytes, without decoding it: WAV from its header,
 * Ogg (voice notes) from the last page's granule position, MP3 from its first frame's bitrate
 * (exact for constant bitrate), M4A from `mvhd`. Undefined when none of these reads.
 *
 * An upload is extended from (near) its end: the gateway needs `continue_at` and does not say how
 * long the uploaded clip is.
 */
export function estimateSeconds(bytes: Uint8Array): number | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (at: number, n: number) => b.toString('latin1', at, at + n);
  if (b.length >= 44 && ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WAVE') return wavSeconds(b);
  if (ascii(0, 4) === 'OggS') return oggSeconds(b);
  if (ascii(4, 4) === 'ftyp') return mp4Seconds(b);
  return mp3Seconds(b);
}

function wavSeconds(b: Buffer): number | undefined {
  let at = 12;
  let byteRate = 0;
  while (at + 8 <= b.length) {
    const id = b.toString('latin1', at, at + 4);
    const size = b.readUInt32LE(at + 4);
    if (id === 'fmt ' && at + 16 <= b.length) byteRate = b.readUInt32LE(at + 16);
    if (id === 'data') return byteRate > 0 ? Math.min(size, b.length - at - 8) / byteRate : undefined;
    at += 8 + size + (size % 2);
  }
  return undefined;
}

function oggSeconds(b: Buffer): number | undefined {
  const last = b.lastIndexOf('OggS', b.length - 27, 'latin1');
  if (last < 0 || last + 14 > b.length) return undefined;
  const granule = Number(b.readBigUInt64LE(last + 6));
  // Opus (Telegram voice notes) counts 48 kHz samples; Vorbis: read the rate from its header.
  const vorbis = b.indexOf('\x01vorbis', 0, 'latin1');
  const rate = vorbis >= 0 && vorbis + 16 <= b.length ? b.readUInt32LE(vorbis + 12) : 48_000;
  return granule > 0 && rate > 0 ? granule / rate : undefined;
}

function mp4Seconds(b: Buffer): number | undefined {
  const at = b.indexOf('mvhd', 0, 'latin1');
  if (at < 0 || at + 24 > b.length) return undefined;
  const version = b[at + 4];
  if (version === 1 && at + 36 <= b.length) {
    const scale = b.readUInt32BE(at + 24);
    return scale > 0 ? Number(b.readBigUInt64BE(at + 28)) / scale : undefined;
  }
  const scale = b.readUInt32BE(at + 16);
  return scale > 0 ? b.readUInt32BE(at + 20) / scale : undefined;
}

const MP3_KBPS = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];

function mp3Seconds(b: Buffer): number | undefined {
  let at = 0;
  // Skip an ID3v2 tag.
  if (b.toString('latin1', 0, 3) === 'ID3' && b.length >= 10) {
    at = 10 + (((b[6]! & 0x7f) << 21) | ((b[7]! & 0x7f) << 14) | ((b[8]! & 0x7f) << 7) | (b[9]! & 0x7f));
  }
  for (; at + 4 <= b.length && at < 64 * 1024; at++) {
    if (b[at] !== 0xff || (b[at + 1]! & 0xe0) !== 0xe0) continue;
    const kbps = MP3_KBPS[(b[at + 2]! >> 4) & 0x0f];
    if (kbps) return ((b.length - at) * 8) / (kbps * 1000);
  }
  return undefined;
}
