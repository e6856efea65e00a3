import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/render/scheduler.js';
import type { FakeApiCore } from '../fakes/apicore.js';

/** A TCP port free right now (for HEALTH_PORT, which PUBLIC_BASE_URL must name before start). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Env for a bot that serves uploaded audio itself: HEALTH_PORT and PUBLIC_BASE_URL on it. */
export async function publicFilesEnv(): Promise<{ HEALTH_PORT: string; PUBLIC_BASE_URL: string }> {
  const port = await freePort();
  return { HEALTH_PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` };
}

/** A real (silent) WAV: 8 kHz, 8-bit mono, `seconds` long. */
export function wavBytes(seconds: number): Buffer {
  const rate = 8000;
  const data = Buffer.alloc(Math.round(rate * seconds), 0x80);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate, 28); // byte rate
  h.writeUInt16LE(1, 32);
  h.writeUInt16LE(8, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** Writes a WAV to a fresh temporary folder; answers its path. */
export function wavFile(name: string, seconds: number): string {
  const path = join(mkdtempSync(join(tmpdir(), 'songs-')), name);
  writeFileSync(path, wavBytes(seconds));
  return path;
}

/** The JSON bodies sent to `/suno/submit/music` with this `task` ('' for a plain song). */
export function musicSubmits(api: FakeApiCore, task: string): Record<string, unknown>[] {
  return api
    .requestsTo('POST', '/suno/submit/music')
    .map((r) => r.json as Record<string, unknown>)
    .filter((j) => (j.task ?? '') === task);
}

/** How often `needle` occurs in `text`. */
export const count = (text: string, needle: string | RegExp): number =>
  typeof needle === 'string' ? text.split(needle).length - 1 : (text.match(needle) ?? []).length;

/** A one-page Ogg/Opus stream whose granule position says `seconds` (48 kHz): a voice note's shape. */
export function oggBytes(seconds: number): Buffer {
  const head = Buffer.alloc(28);
  head.write('OggS', 0, 'latin1');
  head[5] = 0x04; // last page
  head.writeBigUInt64LE(BigInt(Math.round(seconds * 48_000)), 6);
  head[26] = 1; // one segment
  head[27] = 19;
  const opusHead = Buffer.alloc(19);
  opusHead.write('OpusHead', 0, 'latin1');
  opusHead[8] = 1;
  opusHead[9] = 1;
  opusHead.writeUInt32LE(48_000, 12);
  return Buffer.concat([head, opusHead]);
}

/**
 * A clock that runs `factor` times faster than the wall clock, for the pacing budgets (a Telegram
 * group's 20 messages a minute) and the poller: a long group flow needs no real minutes.
 */
export function fastClock(factor: number): Clock {
  const start = Date.now();
  return {
    now: () => start + (Date.now() - start) * factor,
    setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms / factor)),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  };
}
