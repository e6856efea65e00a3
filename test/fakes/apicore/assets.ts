/** A valid 1x1 RGBA PNG. */
export const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** Deterministic bytes: a fixed header followed by a simple counter pattern. */
function patterned(header: number[], total: number): Buffer {
  const buf = Buffer.alloc(total);
  Buffer.from(header).copy(buf);
  for (let i = header.length; i < total; i++) buf[i] = (i * 31 + 7) & 0xff;
  return buf;
}

/** "MP3": an MPEG-1 Layer III frame sync header and filler bytes. */
export const FAKE_MP3 = patterned([0xff, 0xfb, 0x90, 0x64], 417);

/** "MP4": an `ftyp` box followed by filler bytes. */
export const FAKE_MP4 = patterned(
  [0, 0, 0, 0x18, ...Buffer.from('ftypisom'), 0, 0, 2, 0, ...Buffer.from('isomiso2')],
  256,
);

/** "WAV": a RIFF/WAVE header (PCM, 44.1 kHz stereo) and filler bytes. */
export const FAKE_WAV = patterned([...Buffer.from('RIFF'), 0xf8, 0, 0, 0, ...Buffer.from('WAVEfmt ')], 256);

export function fileFor(name: string): { contentType: string; body: Buffer } | undefined {
  if (name.endsWith('.png')) return { contentType: 'image/png', body: TINY_PNG };
  if (name.endsWith('.mp3')) return { contentType: 'audio/mpeg', body: FAKE_MP3 };
  if (name.endsWith('.mp4')) return { contentType: 'video/mp4', body: FAKE_MP4 };
  if (name.endsWith('.wav')) return { contentType: 'audio/wav', body: FAKE_WAV };
  return undefined;
}
