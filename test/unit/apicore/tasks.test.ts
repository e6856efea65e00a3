import { describe, expect, it } from 'vitest';
import { parsePercent, toMjTask, toSunoTask } from '../../../src/apicore/tasks.js';
import {
  DEFAULT_SUNO_LYRICS,
  DEFAULT_SUNO_TITLE,
  DESCRIBE_FINAL_PROMPT,
  gridButtons,
  mjError,
  mjJobHash,
  sunoError,
  TINY_PNG,
} from '../../fakes/apicore.js';
import { botError, expectAuth, expectJsonRequest, only, useFake } from './helpers.js';

const h = useFake();

const PNG_DATA_URL = `data:image/png;base64,${TINY_PNG.toString('base64')}`;
const OTHER_BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 250, 251, 252, 253, 254, 255]);
const OTHER_DATA_URL = `data:image/webp;base64,${OTHER_BYTES.toString('base64')}`;

const submitted = (code: number, result: string, properties: object = {}) => ({
  kind: 'json' as const,
  body: { code, description: 'Submit success', result, properties },
});

describe('Midjourney submits', () => {
  it('mjImagine posts the prompt and returns the task id', async () => {
    const id = await h.client.mjImagine({ prompt: 'a cat in a teacup --ar 1:1', botType: 'NIJI_JOURNEY' });
    expect(id).toMatch(/^\d+$/);
    expect(h.fake.mjTasks.has(id)).toBe(true);
    const body = expectJsonRequest(h.fake, 'POST', '/mj/submit/imagine');
    expect(body).toEqual({ prompt: 'a cat in a teacup --ar 1:1', botType: 'NIJI_JOURNEY' });
    expect(h.fake.unexpected).toEqual([]);
  });

  it('mjImagine sends reference images as data URLs', async () => {
    await h.client.mjImagine({ prompt: 'like this', base64Array: [PNG_DATA_URL] });
    const body = expectJsonRequest(h.fake, 'POST', '/mj/submit/imagine');
    expect(body).toEqual({ prompt: 'like this', base64Array: [PNG_DATA_URL] });
    expect(h.fake.unexpected).toEqual([]);
  });

  it('mjDescribe sends the image as a data URL whose base64 decodes to the exact bytes', async () => {
    const id = await h.client.mjDescribe(PNG_DATA_URL);
    expect(h.fake.mjTasks.get(id)?.action).toBe('DESCRIBE');
    const body = expectJsonRequest(h.fake, 'POST', '/mj/submit/describe');
    expect(Object.keys(body)).toEqual(['base64']);
    const match = /^data:image\/png;base64,(.+)$/.exec(body.base64);
    expect(match).not.toBeNull();
    expect(Buffer.from(match![1]!, 'base64').equals(TINY_PNG)).toBe(true);
    expect(h.fake.unexpected).toEqual([]);
  });

  it('mjBlend posts the images and dimensions', async () => {
    const id = await h.client.mjBlend([PNG_DATA_URL, OTHER_DATA_URL], 'LANDSCAPE');
    expect(h.fake.mjTasks.get(id)?.action).toBe('BLEND');
    const body = expectJsonRequest(h.fake, 'POST', '/mj/submit/blend');
    expect(body).toEqual({ base64Array: [PNG_DATA_URL, OTHER_DATA_URL], dimensions: 'LANDSCAPE' });
    const second = body.base64Array[1].split(',')[1];
    expect(Buffer.from(second, 'base64').equals(OTHER_BYTES)).toBe(true);
    expect(h.fake.unexpected).toEqual([]);
  });

  it('mjAction posts taskId and customId of a button and returns the new task id', async () => {
    const parent = await h.client.mjImagine({ prompt: 'mountains at dawn' });
    const customId = gridButtons(mjJobHash(parent))[0]!.customId;
    h.fake.requests.splice(0);
    const id = await h.client.mjAction(parent, customId);
    expect(id).not.toBe(parent);
    expect(h.fake.mjTasks.get(id)?.action).toBe('UPSCALE');
    const body = expectJsonRequest(h.fake, 'POST', '/mj/submit/action');
    expect(body).toEqual({ taskId: parent, customId });
    expect(h.fake.unexpected).toEqual([]);
  });

  it.each([
    [1, 'accepted'],
    [21, 'already exists'],
    [22, 'queued'],
  ])('accepts submit code %i (%s)', async (code) => {
    h.fake.enqueue('POST /mj/submit/imagine', submitted(code, `17324${code}`, { numberOfQueues: 2 }));
    expect(await h.client.mjImagine({ prompt: 'p' })).toBe(`17324${code}`);
    expect(expectJsonRequest(h.fake, 'POST', '/mj/submit/imagine')).toEqual({ prompt: 'p' });
  });

  it('accepts a numeric result as the task id', async () => {
    h.fake.enqueue('POST /mj/submit/describe', { kind: 'json', body: { code: 1, result: 1732400000999 } });
    expect(await h.client.mjDescribe(PNG_DATA_URL)).toBe('1732400000999');
  });

  it('maps code 24 (banned prompt) to an error carrying the description', async () => {
    h.fake.enqueue('POST /mj/submit/imagine', {
      kind: 'json',
      body: {
        code: 24,
        description: 'Banned prompt detected: blood ',
        result: '',
        properties: { promptEn: 'blood', bannedWord: 'blood' },
      },
    });
    const e = await botError(h.client.mjImagine({ prompt: 'blood' }));
    expect(e.kind).toBe('bad_request');
    expect(e.code).toBe(24);
    expect(e.upstreamMessage).toBe('Banned prompt detected: blood');
    expect(e.message).toContain('Banned prompt detected: blood');
  });

  it('maps code 23 (queue full) to an error carrying the description', async () => {
    h.fake.enqueue('POST /mj/submit/blend', {
      kind: 'json',
      body: { code: 23, description: 'queue is full, please try again later', result: '' },
    });
    const e = await botError(h.client.mjBlend([PNG_DATA_URL, PNG_DATA_URL], 'SQUARE'));
    expect(e).toMatchObject({
      kind: 'rate_limit',
      code: 23,
      upstreamMessage: 'queue is full, please try again later',
    });
    // A submit is never retried.
    expect(h.fake.requestsTo('POST', '/mj/submit/blend')).toHaveLength(1);
  });

  it('refuses code 1 without a result id', async () => {
    h.fake.enqueue('POST /mj/submit/imagine', {
      kind: 'json',
      body: { code: 1, description: 'ok', result: '' },
    });
    await botError(h.client.mjImagine({ prompt: 'p' }));
  });

  it('maps the gateway’s own HTTP 400 / 429 mj envelopes', async () => {
    h.fake.enqueue('POST /mj/submit/imagine', mjError(400, 4, 'quota_not_enough '));
    const quota = await botError(h.client.mjImagine({ prompt: 'p' }));
    expect(quota).toMatchObject({ kind: 'quota', status: 400, code: 4, upstreamMessage: 'quota_not_enough' });
    h.fake.enqueue('POST /mj/submit/imagine', mjError(429, 30, 'rate limited'));
    const limited = await botError(h.client.mjImagine({ prompt: 'p' }));
    expect(limited).toMatchObject({ kind: 'rate_limit', status: 429, upstreamMessage: 'rate limited' });
    expect(h.fake.requestsTo('POST', '/mj/submit/imagine')).toHaveLength(2);
  });

  it('the gateway’s HTTP 400 envelope for a banned prompt carries the description', async () => {
    h.fake.enqueue('POST /mj/submit/imagine', mjError(400, 24, 'Banned prompt detected: gore '));
    const e = await botError(h.client.mjImagine({ prompt: 'gore' }));
    expect(e).toMatchObject({
      kind: 'bad_request',
      code: 24,
      upstreamMessage: 'Banned prompt detected: gore',
    });
  });
});

describe('Midjourney fetch', () => {
  it('mjFetch reads each stage of a task', async () => {
    const id = await h.client.mjImagine({ prompt: 'a lighthouse' });
    h.fake.requests.splice(0);
    const first = await h.client.mjFetch(id);
    expect(first).toMatchObject({ id, action: 'IMAGINE', status: 'SUBMITTED', progress: 0, buttons: [] });
    const second = await h.client.mjFetch(id);
    expect(second).toMatchObject({ status: 'IN_PROGRESS', progress: 50 });
    const done = await h.client.mjFetch(id);
    expect(done).toMatchObject({
      id,
      action: 'IMAGINE',
      prompt: 'a lighthouse',
      promptEn: 'a lighthouse',
      status: 'SUCCESS',
      progress: 100,
      imageUrl: `${h.fake.url}/files/grid.png`,
      videoUrl: '',
      failReason: '',
      finalPrompt: 'a lighthouse',
    });
    expect(done.buttons).toEqual(gridButtons(mjJobHash(id)));
    expect(done.finishTime).toBeGreaterThan(done.submitTime);
    const fetches = h.fake.requestsTo('GET', `/mj/task/${id}/fetch`);
    expect(fetches).toHaveLength(3);
    for (const r of fetches) {
      expectAuth(r);
      expect(r.body.length).toBe(0);
    }
    expect(h.fake.unexpected).toEqual([]);
  });

  it('mjFetch reads a describe result and a failure', async () => {
    h.fake.mjStages.push(
      [{ status: 'SUCCESS', progress: '100%', properties: { finalPrompt: DESCRIBE_FINAL_PROMPT } }],
      [{ status: 'FAILURE', progress: '', failReason: 'Job action restricted' }],
    );
    const describeId = await h.client.mjDescribe(PNG_DATA_URL);
    const failedId = await h.client.mjImagine({ prompt: 'x' });
    expect(await h.client.mjFetch(describeId)).toMatchObject({
      action: 'DESCRIBE',
      status: 'SUCCESS',
      finalPrompt: DESCRIBE_FINAL_PROMPT,
    });
    expect(await h.client.mjFetch(failedId)).toMatchObject({
      status: 'FAILURE',
      progress: 0,
      failReason: 'Job action restricted',
    });
    only(h.fake, 'GET', `/mj/task/${describeId}/fetch`);
  });

  it('mjFetch maps an unknown task and a null body to not_found', async () => {
    const e = await botError(h.client.mjFetch('404404'));
    expect(e.kind).toBe('not_found');
    // not_found is not retried
    only(h.fake, 'GET', '/mj/task/404404/fetch');
    h.fake.enqueue('GET /mj/task/*', { kind: 'json', body: null });
    expect((await botError(h.client.mjFetch('123'))).kind).toBe('not_found');
  });

  it('mjFetch escapes the task id in the path', async () => {
    h.fake.enqueue('GET /mj/task/*', {
      kind: 'json',
      body: { id: 'a/b', status: 'SUBMITTED', progress: '0%' },
    });
    expect((await h.client.mjFetch('a/b')).id).toBe('a/b');
    expect(h.fake.requests[0]?.path).toBe('/mj/task/a%2Fb/fetch');
  });

  it('mjFetchMany posts the ids and reads the list; unknown ids are dropped', async () => {
    const a = await h.client.mjImagine({ prompt: 'a' });
    const b = await h.client.mjImagine({ prompt: 'b' });
    h.fake.requests.splice(0);
    const tasks = await h.client.mjFetchMany([a, 'unknown-id', b]);
    expect(tasks.map((t) => [t.id, t.prompt, t.status])).toEqual([
      [a, 'a', 'SUBMITTED'],
      [b, 'b', 'SUBMITTED'],
    ]);
    const body = expectJsonRequest(h.fake, 'POST', '/mj/task/list-by-condition');
    expect(body).toEqual({ ids: [a, 'unknown-id', b] });
    expect(h.fake.unexpected).toEqual([]);
  });

  it('mjFetchMany of nothing asks nothing; a non-list answer is a protocol error', async () => {
    expect(await h.client.mjFetchMany([])).toEqual([]);
    expect(h.fake.requests).toHaveLength(0);
    h.fake.enqueue('POST /mj/task/list-by-condition', { kind: 'json', body: { data: [] } });
    expect((await botError(h.client.mjFetchMany(['1']))).kind).toBe('protocol');
  });
});

describe('Suno', () => {
  it('sunoMusic posts the request and returns the task id', async () => {
    const id = await h.client.sunoMusic({
      prompt: '[Verse]\n雨落下 🌧',
      tags: 'lo-fi, jazz',
      title: '雨',
      mv: 'chirp-v3-5',
      make_instrumental: false,
    });
    expect(id).toMatch(/^suno-task-\d+$/);
    expect(h.fake.sunoTasks.get(id)?.action).toBe('MUSIC');
    const body = expectJsonRequest(h.fake, 'POST', '/suno/submit/music');
    expect(body).toEqual({
      prompt: '[Verse]\n雨落下 🌧',
      tags: 'lo-fi, jazz',
      title: '雨',
      mv: 'chirp-v3-5',
      make_instrumental: false,
    });
    expect(h.fake.unexpected).toEqual([]);
  });

  it('sunoLyrics posts the prompt and returns the task id', async () => {
    const id = await h.client.sunoLyrics('a song about rain');
    expect(h.fake.sunoTasks.get(id)?.action).toBe('LYRICS');
    expect(expectJsonRequest(h.fake, 'POST', '/suno/submit/lyrics')).toEqual({ prompt: 'a song about rain' });
    expect(h.fake.unexpected).toEqual([]);
  });

  it('sunoFetch follows a MUSIC task to its clips', async () => {
    const id = await h.client.sunoMusic({ gpt_description_prompt: 'a sad jazz song about rain' });
    h.fake.requests.splice(0);
    const first = await h.client.sunoFetch(id);
    expect(first).toEqual({
      id,
      action: 'MUSIC',
      status: 'SUBMITTED',
      failReason: '',
      clips: [],
      lyrics: undefined,
    });
    const streaming = await h.client.sunoFetch(id);
    expect(streaming.status).toBe('IN_PROGRESS');
    expect(streaming.clips).toHaveLength(2);
    expect(streaming.clips[0]).toMatchObject({
      status: 'streaming',
      durationSeconds: undefined,
      videoUrl: '',
    });
    const done = await h.client.sunoFetch(id);
    expect(done.status).toBe('SUCCESS');
    expect(done.clips).toHaveLength(2);
    const clip = done.clips[0]!;
    expect(clip).toEqual({
      id: expect.stringMatching(/^00000000-0000-4000-8000-\d{12}$/),
      title: DEFAULT_SUNO_TITLE,
      status: 'complete',
      audioUrl: expect.stringMatching(new RegExp(`^${h.fake.url}/files/clip-\\d+\\.mp3$`)),
      videoUrl: expect.stringMatching(/\/files\/clip-\d+\.mp4$/),
      imageUrl: expect.stringMatching(/\/files\/cover-\d+\.png$/),
      tags: 'pop, rainy, lo-fi',
      lyrics: DEFAULT_SUNO_LYRICS,
      durationSeconds: 123.4,
      errorMessage: '',
      model: 'chirp-v3-5',
      type: 'gen',
    });
    const fetches = h.fake.requestsTo('GET', `/suno/fetch/${id}`);
    expect(fetches).toHaveLength(3);
    for (const r of fetches) expectAuth(r);
    expect(h.fake.unexpected).toEqual([]);
  });

  it('sunoFetch reads a LYRICS task and a failure', async () => {
    const lyricsId = await h.client.sunoLyrics('rain');
    h.fake.sunoStages.push([
      { status: 'FAILURE', progress: '100%', fail_reason: 'prompt rejected', data: [] },
    ]);
    await h.client.sunoFetch(lyricsId);
    const lyrics = await h.client.sunoFetch(lyricsId);
    expect(lyrics).toMatchObject({ id: lyricsId, action: 'LYRICS', status: 'SUCCESS', clips: [] });
    expect(lyrics.lyrics).toEqual({
      title: DEFAULT_SUNO_TITLE,
      text: `${DEFAULT_SUNO_LYRICS}\n\n[Chorus]\n等雨停`,
    });
    const failedId = await h.client.sunoMusic({ prompt: 'x' });
    expect(await h.client.sunoFetch(failedId)).toMatchObject({
      status: 'FAILURE',
      failReason: 'prompt rejected',
      clips: [],
    });
  });

  it('sunoFetch maps an unknown task to not_found', async () => {
    const e = await botError(h.client.sunoFetch('no-such-task'));
    expect(e).toMatchObject({ kind: 'not_found', code: 'task_not_exist' });
    only(h.fake, 'GET', '/suno/fetch/no-such-task');
  });

  it('sunoFetchMany posts the ids and reads the list', async () => {
    const a = await h.client.sunoMusic({ prompt: 'a' });
    const b = await h.client.sunoLyrics('b');
    h.fake.requests.splice(0);
    const tasks = await h.client.sunoFetchMany([a, b, 'gone']);
    expect(tasks.map((t) => [t.id, t.action, t.status])).toEqual([
      [a, 'MUSIC', 'SUBMITTED'],
      [b, 'LYRICS', 'SUBMITTED'],
    ]);
    expect(expectJsonRequest(h.fake, 'POST', '/suno/fetch')).toEqual({ ids: [a, b, 'gone'] });
    expect(await h.client.sunoFetchMany([])).toEqual([]);
    expect(h.fake.requests).toHaveLength(1);
    expect(h.fake.unexpected).toEqual([]);
  });

  it('maps Suno error envelopes on submit', async () => {
    h.fake.enqueue('POST /suno/submit/music', sunoError(400, 'insufficient_user_quota', '用户额度不足'));
    expect(await botError(h.client.sunoMusic({ prompt: 'x' }))).toMatchObject({
      kind: 'quota',
      code: 'insufficient_user_quota',
      upstreamMessage: '用户额度不足',
    });
    h.fake.enqueue(
      'POST /suno/submit/lyrics',
      sunoError(429, 'rate_limit', '当前分组上游负载已饱和，请稍后再试'),
    );
    expect(await botError(h.client.sunoLyrics('x'))).toMatchObject({
      kind: 'rate_limit',
      upstreamMessage: '当前分组上游负载已饱和，请稍后再试',
    });
    // HTTP 200 without code "success" is still a refusal.
    h.fake.enqueue('POST /suno/submit/music', {
      kind: 'json',
      body: { code: 'invalid_request', message: 'task id is empty', data: null },
    });
    expect(await botError(h.client.sunoMusic({ prompt: 'x' }))).toMatchObject({
      kind: 'bad_request',
      upstreamMessage: 'task id is empty',
    });
    expect(h.fake.requestsTo('POST', '/suno/submit/*')).toHaveLength(3);
  });
});

describe('task parsers', () => {
  it('parsePercent', () => {
    expect(parsePercent('45%')).toBe(45);
    expect(parsePercent('100%')).toBe(100);
    expect(parsePercent('')).toBe(0);
    expect(parsePercent(null)).toBe(0);
    expect(parsePercent(150)).toBe(100);
    expect(parsePercent('12.5%')).toBe(12.5);
  });

  it('toMjTask reads a full new-api task and tolerates nulls and missing keys', () => {
    const task = toMjTask({
      id: '1732400000001',
      action: 'DESCRIBE',
      customId: '',
      botType: '',
      prompt: '',
      promptEn: DESCRIBE_FINAL_PROMPT,
      description: 'Submit success',
      state: '',
      submitTime: 1000,
      startTime: 2000,
      finishTime: 3000,
      imageUrl: 'https://cdn/x.png',
      videoUrl: '',
      videoUrls: null,
      status: 'SUCCESS',
      progress: '100%',
      failReason: '',
      buttons: [{ customId: 'MJ::Job::PicReader::1', emoji: '1️⃣', label: '', type: 2, style: 2 }],
      maskBase64: '',
      properties: { finalPrompt: DESCRIBE_FINAL_PROMPT, finalZhPrompt: '' },
    });
    expect(task).toEqual({
      id: '1732400000001',
      action: 'DESCRIBE',
      prompt: '',
      promptEn: DESCRIBE_FINAL_PROMPT,
      description: 'Submit success',
      status: 'SUCCESS',
      progress: 100,
      imageUrl: 'https://cdn/x.png',
      videoUrl: '',
      failReason: '',
      buttons: [{ customId: 'MJ::Job::PicReader::1', emoji: '1️⃣', label: '', type: 2, style: 2 }],
      finalPrompt: DESCRIBE_FINAL_PROMPT,
      submitTime: 1000,
      finishTime: 3000,
    });
    expect(toMjTask({ id: 5, status: '', progress: '0%', buttons: null, properties: null })).toMatchObject({
      id: '5',
      status: '',
      progress: 0,
      buttons: [],
      finalPrompt: '',
    });
  });

  it('toSunoTask reads clips, lyrics, null data and the id fallback', () => {
    expect(toSunoTask({ id: 'x', action: 'MUSIC', status: 'NOT_START', data: null })).toEqual({
      id: 'x',
      action: 'MUSIC',
      status: 'NOT_START',
      failReason: '',
      clips: [],
      lyrics: undefined,
    });
    const music = toSunoTask({
      task_id: 'task_1',
      id: 99,
      action: 'MUSIC',
      status: 'FAILURE',
      fail_reason: 'boom',
      data: [
        {
          id: 'c1',
          title: 't',
          status: 'error',
          audio_url: '',
          video_url: '',
          image_url: 'small.png',
          metadata: { tags: 'pop', prompt: 'la la', duration: null, error_message: 'bad lyrics' },
        },
      ],
    });
    expect(music.id).toBe('task_1');
    expect(music.clips).toEqual([
      {
        id: 'c1',
        title: 't',
        status: 'error',
        audioUrl: '',
        videoUrl: '',
        imageUrl: 'small.png',
        tags: 'pop',
        lyrics: 'la la',
        durationSeconds: undefined,
        errorMessage: 'bad lyrics',
        model: '',
        type: '',
      },
    ]);
    expect(
      toSunoTask({ task_id: 'l', action: 'LYRICS', data: { title: 'T', text: 'words' } }).lyrics,
    ).toEqual({
      title: 'T',
      text: 'words',
    });
  });
});
