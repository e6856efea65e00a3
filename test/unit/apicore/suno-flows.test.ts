import { describe, expect, it } from 'vitest';
import type { SunoClip, SunoMusic, SunoTask } from '../../../src/core/apicore.js';
import { SUNO_EXTENSION_SECONDS, SUNO_UPLOAD_SECONDS, sunoExtra } from '../../fakes/apicore/suno.js';
import { botError, expectJsonRequest, useFake } from './helpers.js';

const h = useFake();

/** Fetches until the task is terminal (the fake advances one stage per fetch). */
async function finish(id: string): Promise<SunoTask> {
  for (let i = 0; i < 10; i++) {
    const t = await h.client.sunoFetch(id);
    if (t.status === 'SUCCESS' || t.status === 'FAILURE') return t;
  }
  throw new Error(`task ${id} never finished`);
}

const SONGS: { name: string; req: SunoMusic }[] = [
  {
    name: 'ASCII',
    req: { title: 'Rainy City', tags: 'lo-fi, jazz', prompt: '[Verse]\nRain on the window\nI wait' },
  },
  {
    name: 'Chinese',
    req: { title: '雨中的城市', tags: '民谣, 安静', prompt: '[Verse]\n雨落在窗台\n我在等你' },
  },
  { name: 'emoji', req: { title: 'Sunny ☀️🎸', tags: 'pop 🎉', prompt: '[Chorus]\nla la 🌈 la\n再见 👋' } },
];

async function song(req: SunoMusic, mv = 'chirp-auk'): Promise<{ task: string; clip: SunoClip }> {
  const task = await h.client.sunoMusic({ ...req, mv });
  const done = await finish(task);
  return { task, clip: done.clips[0]! };
}

describe('Suno: extend then full song', () => {
  for (const { name, req } of SONGS) {
    it(`${name}: extend continues the clip, concat joins it into one track`, async () => {
      const { task, clip } = await song(req);
      expect(clip).toMatchObject({
        model: 'chirp-auk',
        type: 'gen',
        title: req.title,
        durationSeconds: 123.4,
      });
      const ext = await h.client.sunoMusic({
        task: 'extend',
        task_id: task,
        continue_clip_id: clip.id,
        continue_at: 100,
        prompt: '[Bridge]\n继续 more 🎶',
        mv: 'chirp-auk',
      });
      const extDone = await finish(ext);
      expect(extDone.clips).toHaveLength(2);
      const part = extDone.clips[0]!;
      // The continuation only: its own lyrics and length, the source's title and tags.
      expect(part).toMatchObject({
        title: req.title,
        tags: req.tags,
        lyrics: '[Bridge]\n继续 more 🎶',
        durationSeconds: SUNO_EXTENSION_SECONDS,
      });
      const concat = await h.client.sunoConcat(part.id, false);
      expect(expectJsonRequest(h.fake, 'POST', '/suno/submit/concat')).toEqual({
        clip_id: part.id,
        is_infill: false,
      });
      const whole = await finish(concat);
      expect(whole.clips).toHaveLength(1);
      expect(whole.clips[0]).toMatchObject({
        title: req.title,
        type: 'concat',
        model: 'chirp-auk',
        durationSeconds: 100 + SUNO_EXTENSION_SECONDS,
        lyrics: `${req.prompt}\n\n[Bridge]\n继续 more 🎶`,
      });
    });
  }

  it('refuses unknown, unfinished and out-of-range clips with the Suno envelope', async () => {
    const unknown = await botError(
      h.client.sunoMusic({
        task: 'extend',
        task_id: 't',
        continue_clip_id: 'nope',
        continue_at: 5,
        mv: 'chirp-auk',
      }),
    );
    expect(unknown).toMatchObject({ kind: 'not_found', code: 'clip_not_found', status: 400 });

    const task = await h.client.sunoMusic({ ...SONGS[1]!.req, mv: 'chirp-auk' });
    await h.client.sunoFetch(task); // submitted
    const streaming = await h.client.sunoFetch(task);
    const clipId = streaming.clips[0]!.id;
    const early = await botError(
      h.client.sunoMusic({
        task: 'extend',
        task_id: task,
        continue_clip_id: clipId,
        continue_at: 5,
        mv: 'chirp-auk',
      }),
    );
    expect(early).toMatchObject({ kind: 'bad_request', code: 'clip_not_complete' });
    expect(early.upstreamMessage).toMatch(/not complete/);
    expect(await botError(h.client.sunoConcat(clipId, false))).toMatchObject({ code: 'clip_not_complete' });

    await finish(task);
    const past = await botError(
      h.client.sunoMusic({
        task: 'extend',
        task_id: task,
        continue_clip_id: clipId,
        continue_at: 500,
        mv: 'chirp-auk',
      }),
    );
    expect(past.upstreamMessage).toMatch(/continue_at 500 s is outside the clip \(0–123.4 s\)/);
    const otherModel = await botError(
      h.client.sunoMusic({
        task: 'extend',
        task_id: task,
        continue_clip_id: clipId,
        continue_at: 50,
        mv: 'chirp-v4',
      }),
    );
    expect(otherModel.upstreamMessage).toMatch(/must match the clip's model chirp-auk/);
    // A plain clip is not an extension: nothing to join.
    expect((await botError(h.client.sunoConcat(clipId, false))).upstreamMessage).toMatch(/not an extension/);
    expect(h.fake.unexpected).toEqual([]);
  });

  it('a bad mv is refused as a malformed request', async () => {
    const e = await botError(h.client.sunoMusic({ prompt: 'x', mv: 'chirp-v9' }));
    expect(e).toMatchObject({ kind: 'bad_request', code: 'invalid_mv' });
    expect(h.fake.unexpected).toEqual([expect.stringContaining('mv must be one of')]);
    h.fake.unexpected.splice(0);
  });
});

describe('Suno: cover, replace section, persona, stems', () => {
  it('cover: two clips in the new style over the same song (Chinese + emoji)', async () => {
    const { clip } = await song(SONGS[1]!.req, 'chirp-v4');
    const id = await h.client.sunoMusic({
      task: 'cover',
      cover_clip_id: clip.id,
      tags: '摇滚 rock 🤘',
      mv: 'chirp-v4',
      generation_type: 'TEXT',
    });
    const done = await finish(id);
    expect(done.clips).toHaveLength(2);
    expect(done.clips[0]).toMatchObject({
      type: 'cover',
      tags: '摇滚 rock 🤘',
      title: '雨中的城市',
      lyrics: SONGS[1]!.req.prompt,
      durationSeconds: 123.4,
      model: 'chirp-v4',
    });
  });

  it('infill replaces a section; concat with is_infill gives the whole song back', async () => {
    const { clip } = await song(SONGS[2]!.req);
    const bad = await botError(
      h.client.sunoMusic({
        task: 'infill',
        continue_clip_id: clip.id,
        infill_start_s: 100,
        infill_end_s: 200,
        prompt: 'x',
        mv: 'chirp-auk',
      }),
    );
    expect(bad.upstreamMessage).toMatch(/not inside the clip/);
    const id = await h.client.sunoMusic({
      task: 'infill',
      continue_clip_id: clip.id,
      infill_start_s: 10.5,
      infill_end_s: 30,
      continue_at: null,
      prompt: '[Chorus]\nnew words 新歌词 🎤',
      mv: 'chirp-auk',
    });
    const part = (await finish(id)).clips[0]!;
    expect(part).toMatchObject({ type: 'infill', durationSeconds: 19.5 });
    expect((await botError(h.client.sunoConcat(part.id, false))).upstreamMessage).toMatch(
      /is_infill must be true/,
    );
    const whole = await finish(await h.client.sunoConcat(part.id, true));
    expect(whole.clips[0]).toMatchObject({ type: 'concat', durationSeconds: 123.4 });
  });

  it('persona: made from a clip, then used by artist_consistency', async () => {
    const { clip } = await song(SONGS[0]!.req);
    const persona = await h.client.sunoPersona({
      rootClipId: clip.id,
      name: '小雨 🌧',
      description: 'soft voice',
      clipIds: [clip.id],
    });
    expect(persona).toMatch(/^persona-\d+$/);
    expect(expectJsonRequest(h.fake, 'POST', '/suno/persona/create/')).toEqual({
      root_clip_id: clip.id,
      name: '小雨 🌧',
      description: 'soft voice',
      clips: [clip.id],
      is_public: false,
    });
    const id = await h.client.sunoMusic({
      task: 'artist_consistency',
      persona_id: persona,
      artist_clip_id: clip.id,
      prompt: '[Verse]\n同一个声音 same voice ✨',
      tags: 'ballad',
      title: 'Again 再来',
      mv: 'chirp-auk',
    });
    expect((await finish(id)).clips[0]).toMatchObject({
      title: 'Again 再来',
      lyrics: '[Verse]\n同一个声音 same voice ✨',
    });
    const unknown = await botError(
      h.client.sunoMusic({
        task: 'artist_consistency',
        persona_id: 'p0',
        artist_clip_id: clip.id,
        prompt: 'x',
      }),
    );
    expect(unknown.code).toBe('persona_not_found');
    expect(
      (await botError(h.client.sunoPersona({ rootClipId: 'nope', name: 'n', description: '', clipIds: [] })))
        .code,
    ).toBe('clip_not_found');
  });

  it('stems: "<song> - Vocals" and "- Instrumental" on chirp-auk; refused on older models', async () => {
    const { clip } = await song(SONGS[1]!.req);
    const stems: SunoMusic = {
      task: 'gen_stem',
      continue_clip_id: clip.id,
      continue_at: null,
      mv: 'chirp-auk',
      prompt: '',
      generation_type: 'TEXT',
      stem_type_id: 91,
      stem_type_group_name: 'Two',
      stem_task: 'two',
    };
    const done = await finish(await h.client.sunoMusic(stems));
    expect(done.clips.map((c) => [c.title, c.type, c.lyrics !== ''])).toEqual([
      ['雨中的城市 - Vocals', 'stem', true],
      ['雨中的城市 - Instrumental', 'stem', false],
    ]);
    const old = await song(SONGS[0]!.req, 'chirp-v3-5');
    const refused = await botError(h.client.sunoMusic({ ...stems, continue_clip_id: old.clip.id }));
    expect(refused).toMatchObject({ kind: 'bad_request', code: 'model_not_supported' });
    expect(refused.upstreamMessage).toMatch(/^仅限chirp_auk: stems needs a chirp-auk/);
  });
});

describe('Suno: upload by URL', () => {
  it('the fake fetches the URL; the upload can be covered and upload-extended', async () => {
    const clipId = await h.client.sunoUploadUrl(`${h.fake.url}/files/hum.mp3`);
    expect(sunoExtra(h.fake).uploads.get(clipId)?.url).toBe(`${h.fake.url}/files/hum.mp3`);
    expect(h.fake.requestsTo('GET', '/files/hum.mp3')).toHaveLength(1);
    const cover = await finish(
      await h.client.sunoMusic({
        task: 'cover',
        cover_clip_id: clipId,
        tags: 'rock 🎸',
        title: '我的哼唱',
        mv: 'chirp-auk',
      }),
    );
    expect(cover.clips[0]).toMatchObject({
      title: '我的哼唱',
      type: 'cover',
      durationSeconds: SUNO_UPLOAD_SECONDS,
    });
    // An upload is not a generated clip: plain "extend" is refused, "upload_extend" works (no task_id).
    const plain = await botError(
      h.client.sunoMusic({
        task: 'extend',
        task_id: 't',
        continue_clip_id: clipId,
        continue_at: 10,
        mv: 'chirp-auk',
      }),
    );
    expect(plain.upstreamMessage).toMatch(/upload_extend/);
    const ext = await finish(
      await h.client.sunoMusic({
        task: 'upload_extend',
        continue_clip_id: clipId,
        continue_at: 20,
        mv: 'chirp-auk',
      }),
    );
    expect(ext.clips).toHaveLength(2);
    const whole = await finish(await h.client.sunoConcat(ext.clips[0]!.id, false));
    expect(whole.clips[0]!.durationSeconds).toBe(20 + SUNO_EXTENSION_SECONDS);
  });

  it('refuses an unreachable URL and bytes that are not audio', async () => {
    const down = await botError(h.client.sunoUploadUrl('http://127.0.0.1:1/hum.mp3'));
    expect(down).toMatchObject({ code: 'upload_failed', kind: 'bad_request' });
    expect(down.upstreamMessage).toMatch(/could not fetch/);
    const missing = await botError(h.client.sunoUploadUrl(`${h.fake.url}/files/nothing.xyz`));
    expect(missing.upstreamMessage).toMatch(/HTTP 404/);
    h.fake.unexpected.splice(0); // the fake logs its own 404 for the missing file
    const png = await botError(h.client.sunoUploadUrl(`${h.fake.url}/files/cover.png`));
    expect(png.upstreamMessage).toMatch(/not an audio file/);
  });
});

describe('Suno submit answers', () => {
  it('accepts {data:{id}}; refuses raw clips as an unexpected answer and code ≠ success with its message', async () => {
    h.fake.enqueue('POST /suno/uploads/audio-url', {
      kind: 'json',
      body: { code: 'success', message: '', data: { id: 'up-1' } },
    });
    expect(await h.client.sunoUploadUrl('https://cdn.example/a.mp3')).toBe('up-1');
    h.fake.enqueue('POST /suno/submit/music', {
      kind: 'json',
      body: { clips: [{ id: 'c1' }], status: 'complete' },
    });
    const raw = await botError(h.client.sunoMusic({ prompt: 'x' }));
    expect(raw).toMatchObject({ kind: 'protocol' });
    expect(raw.message).toMatch(/unexpected answer/);
    h.fake.enqueue('POST /suno/submit/concat', {
      kind: 'json',
      body: { code: 'fail', message: '余额不足 quota', data: null },
    });
    const refused = await botError(h.client.sunoConcat('c', false));
    expect(refused.upstreamMessage).toBe('余额不足 quota');
    h.fake.enqueue('POST /suno/persona/create/', {
      kind: 'json',
      body: { code: 'success', data: { id: 'persona-x' } },
    });
    expect(await h.client.sunoPersona({ rootClipId: 'a', name: 'n', description: '', clipIds: ['a'] })).toBe(
      'persona-x',
    );
  });
});
