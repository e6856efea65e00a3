import { describe, expect, it } from 'vitest';
import { toActResult } from '../../../src/apicore/suno.js';
import type { SunoClip, SunoTask } from '../../../src/core/apicore.js';
import { alignedWords } from '../../fakes/apicore/suno.js';
import { botError, useFake } from './helpers.js';

const h = useFake();

async function clip(prompt: string, mv: string): Promise<SunoClip> {
  const id = await h.client.sunoMusic({ prompt, title: 't', mv });
  let t: SunoTask;
  do t = await h.client.sunoFetch(id);
  while (t.status !== 'SUCCESS');
  return t.clips[0]!;
}

describe('Suno act: wav / mp4 / timing against the fake', () => {
  it('wav and mp4 are pending on the first call, then a URL the fake serves', async () => {
    const c = await clip('[Verse]\nhello 你好 👋', 'chirp-auk');
    expect(await h.client.sunoAct('wav', c.id)).toEqual({ state: 'pending' });
    const wav = await h.client.sunoAct('wav', c.id);
    expect(wav).toEqual({ state: 'ready', url: `${h.fake.url}/files/${c.id}.wav` });
    expect(await h.client.sunoAct('mp4', c.id)).toEqual({ state: 'pending' });
    expect(await h.client.sunoAct('mp4', c.id)).toEqual({
      state: 'ready',
      url: `${h.fake.url}/files/${c.id}.mp4`,
    });
    const file = await h.client.download(`${h.fake.url}/files/${c.id}.wav`);
    expect(file.mime).toBe('audio/wav');
    expect(Buffer.from(file.data).subarray(0, 4).toString()).toBe('RIFF');
  });

  it('timing: aligned words from the lyrics (ASCII, Chinese per character, emoji, [Section] markers)', async () => {
    const c = await clip('[Verse]\nRain falls 🌧\n雨落下\n\n[Chorus]\nla la', 'chirp-bluejay');
    const r = await h.client.sunoAct('timing', c.id);
    if (r.state !== 'ready' || !('words' in r)) throw new Error('timing not ready');
    expect(r.words.map((w) => w.word)).toEqual([
      '[Verse]\n',
      'Rain ',
      'falls ',
      '🌧\n',
      '雨 ',
      '落 ',
      '下\n',
      '[Chorus]\n',
      'la ',
      'la\n',
    ]);
    for (const w of r.words) {
      expect(w.end_s).toBeGreaterThanOrEqual(w.start_s);
      expect(w.end_s).toBeLessThanOrEqual(123.4);
      expect(w.success).toBe(true);
    }
    // Lines are separated by a gap (≥ 1.5 s) the caller can split at.
    expect(r.words[4]!.start_s - r.words[3]!.end_s).toBeGreaterThanOrEqual(1.5);
  });

  it('timing and mp4 are chirp-auk-only; wav works on any model', async () => {
    const old = await clip('[Verse]\nold 老歌', 'chirp-v3-5');
    const timing = await botError(h.client.sunoAct('timing', old.id));
    expect(timing).toMatchObject({ kind: 'bad_request', code: 'model_not_supported' });
    expect(timing.upstreamMessage).toMatch(/^仅限chirp_auk: timed lyrics/);
    expect((await botError(h.client.sunoAct('mp4', old.id))).upstreamMessage).toMatch(/仅限chirp_auk: mp4/);
    expect((await h.client.sunoAct('wav', old.id)).state).toBe('pending');
  });

  it('an unknown clip throws not_found; an unfinished clip is pending', async () => {
    expect(await botError(h.client.sunoAct('wav', 'no-such-clip'))).toMatchObject({
      kind: 'not_found',
      code: 'clip_not_found',
    });
    const id = await h.client.sunoMusic({ prompt: 'x', mv: 'chirp-auk' });
    await h.client.sunoFetch(id);
    const streaming = await h.client.sunoFetch(id);
    expect(await h.client.sunoAct('timing', streaming.clips[0]!.id)).toEqual({ state: 'pending' });
  });
});

describe('Suno act: every documented answer shape', () => {
  const e = 'GET /suno/act/x/c';
  it('reads bare, wrapped and uuid answers', () => {
    expect(toActResult('wav', e, { wav_file_url: 'https://cdn/a.wav' })).toEqual({
      state: 'ready',
      url: 'https://cdn/a.wav',
    });
    expect(toActResult('wav', e, { code: 'success', data: { wav_file_url: 'https://cdn/b.wav' } })).toEqual({
      state: 'ready',
      url: 'https://cdn/b.wav',
    });
    expect(toActResult('wav', e, { code: 'success', data: 'https://cdn/c.wav' })).toEqual({
      state: 'ready',
      url: 'https://cdn/c.wav',
    });
    expect(toActResult('wav', e, { code: 'success', data: '3f2a9c1e-0000-4000-8000-000000000001' })).toEqual({
      state: 'pending',
    });
    expect(toActResult('wav', e, { wav_file_url: null })).toEqual({ state: 'pending' });
    expect(toActResult('mp4', e, { mp4_file_url: 'https://cdn/v.mp4' })).toEqual({
      state: 'ready',
      url: 'https://cdn/v.mp4',
    });
    expect(toActResult('mp4', e, { mp4: 'https://cdn/w.mp4' })).toEqual({
      state: 'ready',
      url: 'https://cdn/w.mp4',
    });
    expect(toActResult('mp4', e, { code: 'success', data: { video_url: 'https://cdn/x.mp4' } })).toEqual({
      state: 'ready',
      url: 'https://cdn/x.mp4',
    });
    expect(
      toActResult('timing', e, {
        code: 'success',
        data: { aligned_words: [{ word: 'hi', start_s: 1, end_s: 2 }] },
      }),
    ).toEqual({
      state: 'ready',
      words: [{ word: 'hi', start_s: 1, end_s: 2, success: true, p_align: 0 }],
    });
    expect(toActResult('timing', e, { aligned_words: [] })).toEqual({ state: 'ready', words: [] });
    expect(toActResult('timing', e, { code: 'success', data: null })).toEqual({ state: 'pending' });
  });

  it('"not complete" in a 200 or an HTTP error is pending; other refusals throw', async () => {
    expect(toActResult('wav', e, { code: 'error', message: 'clip not complete' })).toEqual({
      state: 'pending',
    });
    expect(() => toActResult('wav', e, { code: 'error', message: 'clip not found' })).toThrow(
      /clip not found/,
    );
    h.fake.enqueue('GET /suno/act/wav/*', {
      kind: 'json',
      status: 400,
      body: { code: 'error', message: '歌曲未完成 (not complete)', data: null },
    });
    expect(await h.client.sunoAct('wav', 'c1')).toEqual({ state: 'pending' });
  });

  it('the fake spaces words within the clip even for long lyrics', () => {
    const words = alignedWords(Array.from({ length: 80 }, (_, i) => `line ${i} 第${i}行 🎵`).join('\n'), 60);
    expect(words.at(-1)!.end_s).toBeLessThanOrEqual(60);
  });
});
