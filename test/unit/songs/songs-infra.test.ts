import { afterEach, describe, expect, it } from 'vitest';
import { estimateSeconds } from '../../../commands/song/audio.js';
import { clipButtons, moreButtons } from '../../../commands/song/buttons.js';
import { ConfigError, loadConfig } from '../../../src/config.js';
import type { ChatRef } from '../../../src/core/platform.js';
import { startHealthServer } from '../../../src/health.js';
import { StorePublicFiles } from '../../../src/public-files.js';
import { GroupSongs } from '../../../src/router/group-songs.js';
import { memoryStore } from '../../../src/store/index.js';
import { oggBytes, wavBytes } from '../../helpers/songs.js';

const group: ChatRef = { platform: 'telegram', id: '-100', kind: 'group' };
const dm: ChatRef = { platform: 'telegram', id: '7', kind: 'private' };

describe('GROUP_DAILY_SONGS', () => {
  it('grants exactly the quota when members reserve at once, and a release gives one back', async () => {
    const songs = new GroupSongs(3, memoryStore());
    const tries = await Promise.all(Array.from({ length: 6 }, () => songs.for(group).reserve()));
    expect(tries.filter((r) => r.granted)).toHaveLength(3);
    const refused = tries.find((r) => !r.granted);
    expect(refused).toMatchObject({ used: 3, quota: 3 });
    expect(refused && !refused.granted && refused.message.zh).toContain('本群今天的 3 首歌已经用完');
    expect(await songs.for(group).today()).toEqual({ used: 3, quota: 3 });
    const granted = tries.find((r) => r.granted);
    if (granted?.granted) {
      await granted.release();
      await granted.release(); // idempotent
    }
    expect(await songs.for(group).today()).toEqual({ used: 2, quota: 3 });
    expect((await songs.for(group).reserve()).granted).toBe(true);
  });

  it('counts per UTC day, never in private chats, and 0 means unlimited', async () => {
    let now = Date.parse('2026-03-01T23:59:00Z');
    const songs = new GroupSongs(1, memoryStore(), () => now);
    expect((await songs.for(group).reserve()).granted).toBe(true);
    expect((await songs.for(group).reserve()).granted).toBe(false);
    expect((await songs.for(dm).reserve()).granted).toBe(true);
    expect(await songs.for(dm).today()).toBeUndefined();
    now += 2 * 60_000;
    expect((await songs.for(group).reserve()).granted).toBe(true);
    const open = new GroupSongs(0, memoryStore());
    for (let i = 0; i < 5; i++) expect((await open.for(group).reserve()).granted).toBe(true);
    expect(await open.for(group).today()).toEqual({ used: 5, quota: 0 });
  });
});

describe('song configuration', () => {
  const base = { APICORE_API_KEY: 'sk-test' };
  it('defaults, and a bad value names its variable', () => {
    expect(loadConfig(base).songs).toEqual({
      defaultModel: 'chirp-auk',
      groupDailySongs: 0,
      publicBaseUrl: undefined,
    });
    const bad = (env: Record<string, string>) => () => loadConfig({ ...base, ...env });
    expect(bad({ SUNO_MODEL: 'v5' })).toThrow(/^SUNO_MODEL is invalid/);
    expect(bad({ GROUP_DAILY_SONGS: '-1' })).toThrow(/^GROUP_DAILY_SONGS is invalid/);
    expect(bad({ GROUP_DAILY_SONGS: '2.5' })).toThrow(ConfigError);
    expect(bad({ PUBLIC_BASE_URL: 'bot.example' })).toThrow(/^PUBLIC_BASE_URL is invalid/);
    expect(bad({ PUBLIC_BASE_URL: 'https://bot.example' })).toThrow(
      /PUBLIC_BASE_URL is invalid: expected HEALTH_PORT/,
    );
    expect(
      loadConfig({
        ...base,
        SUNO_MODEL: 'chirp-crow',
        GROUP_DAILY_SONGS: '5',
        PUBLIC_BASE_URL: 'https://bot.example/',
        HEALTH_PORT: '8080',
      }).songs,
    ).toEqual({ defaultModel: 'chirp-crow', groupDailySongs: 5, publicBaseUrl: 'https://bot.example' });
  });
});

describe('published files', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('serves published bytes at /files/<id>/<name> until they expire; unknown ids are 404', async () => {
    const store = memoryStore();
    const server = await startHealthServer(0, {
      phase: () => 'ready',
      platforms: () => ({}),
      store,
      pendingTasks: () => 0,
    });
    close = () => new Promise<void>((r) => server.close(() => r()));
    const port = (server.address() as { port: number }).port;
    const files = new StorePublicFiles(store, `http://127.0.0.1:${port}`);
    const bytes = wavBytes(1);
    const url = await files.publish(bytes, { mime: 'audio/wav', name: '哼唱 hum 🎤.wav', ttlMs: 60_000 });
    expect(url).toMatch(/\/files\/[A-Za-z0-9_-]{24}\/%E5%93%BC%E5%94%B1_hum_%F0%9F%8E%A4\.wav$/);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
    expect((await fetch(`http://127.0.0.1:${port}/files/AAAAAAAAAAAAAAAAAAAAAAAA/x.wav`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/files/`)).status).toBe(404);
    const short = await files.publish(bytes, { mime: 'audio/wav', name: 'a.wav', ttlMs: 1 });
    await new Promise((r) => setTimeout(r, 20));
    expect((await fetch(short)).status).toBe(404);
  });
});

describe('audio length from bytes', () => {
  it('reads WAV and Ogg/Opus lengths; unknown bytes give undefined', () => {
    expect(estimateSeconds(wavBytes(12))).toBeCloseTo(12, 3);
    expect(estimateSeconds(oggBytes(9))).toBeCloseTo(9, 3);
    expect(estimateSeconds(new Uint8Array([1, 2, 3]))).toBeUndefined();
    // MP3: a 128 kbps frame header, then 16,000 bytes ≈ 1 s.
    const mp3 = Buffer.alloc(16_000);
    mp3.set([0xff, 0xfb, 0x90, 0x00]);
    expect(estimateSeconds(mp3)).toBeCloseTo(1, 1);
  });
});

describe('clip buttons', () => {
  const clip = {
    clip: 'c1',
    task: 't1',
    mv: 'chirp-auk',
    title: '月光 🌙',
    tags: 'jazz',
    by: 'Mia',
    dur: 120,
  };
  it('offers Full song only on continuations, and nothing but a line for Udio', () => {
    const labels = (b: ReturnType<typeof clipButtons>) => b.rows.map((r) => r.map((x) => x.label));
    expect(labels(clipButtons(clip))).toEqual([['⏩ Extend', '🎨 Cover', '➕ More']]);
    expect(labels(clipButtons(clip, { purpose: 'extend', lang: 'zh' }))).toEqual([
      ['⏩ 续写', '🎼 完整歌曲', '🎨 翻唱', '➕ 更多'],
    ]);
    const infill = clipButtons(clip, { purpose: 'infill' }).rows[0]![1]!;
    expect(infill.args).toMatchObject({ clip: 'c1', infill: true });
    const udio = clipButtons({ ...clip, mv: 'udio32-v1.5' });
    expect(udio.rows).toEqual([]);
    expect(udio.note).toContain('Udio');
    // Buttons carry every argument the action commands need; forms stay within Discord's limits.
    const extend = clipButtons(clip).rows[0]![0]!;
    expect(extend.args).toEqual({
      clip: 'c1',
      task: 't1',
      mv: 'chirp-auk',
      title: '月光 🌙',
      tags: 'jazz',
      by: 'Mia',
      dur: 120,
    });
    expect(extend.form!.fields.map((f) => f.name)).toEqual(['at', 'lyrics', 'style']);
    const long = clipButtons({ ...clip, title: 'x'.repeat(80) }).rows[0]![0]!.form!;
    expect(long.title.en.length).toBeLessThanOrEqual(45);
    expect(
      moreButtons({ ...clip, mv: 'chirp-v4' })
        .rows.flat()
        .map((b) => b.label),
    ).toEqual(['✂️ Replace section', '🗣️ Persona', '💿 WAV']);
    expect(moreButtons(clip).rows.map((r) => r.length)).toEqual([3, 3]);
  });
});
