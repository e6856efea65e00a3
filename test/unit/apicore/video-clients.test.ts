import { describe, expect, it } from 'vitest';
import type { VideoSubmit, VideoTask, VideoTaskFamily } from '../../../src/core/video-models.js';
import { BotError } from '../../../src/errors.js';
import { videoFake } from '../../fakes/apicore/video.js';
import { FAKE_API_KEY, TINY_PNG } from '../../fakes/apicore.js';
import { type Json, useFake } from './helpers.js';

const h = useFake();

const PNG_DATA_URL = `data:image/png;base64,${TINY_PNG.toString('base64')}`;
const PNG_BASE64 = TINY_PNG.toString('base64');

/** Polls until the task settles; returns every state seen. */
async function pollToEnd(ref: string): Promise<VideoTask[]> {
  const seen: VideoTask[] = [];
  for (let i = 0; i < 10; i++) {
    const task = await h.client.videoFetch(ref);
    if (!task) throw new Error(`${ref} unknown`);
    seen.push(task);
    if (task.state === 'success' || task.state === 'failure') return seen;
  }
  throw new Error(`${ref} never settled`);
}

const CASES: Array<{ family: VideoTaskFamily; model: string; submitPath: RegExp; prompt: string }> = [
  { family: 'vidu', model: 'vidu-1', submitPath: /^\/vidu\/v1\/tasks$/, prompt: '海浪 waves 🌊' },
  {
    family: 'kling',
    model: 'kling-v1-6',
    submitPath: /^\/kling\/v1\/videos\/text2video$/,
    prompt: 'a cat 🐱 跳舞',
  },
  { family: 'luma', model: 'ray-v2', submitPath: /^\/luma\/generations$/, prompt: 'city at night 夜城 🌃' },
  { family: 'veo', model: 'veo3-fast', submitPath: /^\/v1\/video\/generations$/, prompt: 'sunrise 日出 🌅' },
  {
    family: 'jimeng',
    model: 'jimeng-video',
    submitPath: /^\/task\/jimeng\/text2video$/,
    prompt: '竹林 bamboo 🎋',
  },
  { family: 'pika', model: 'pika-2.0', submitPath: /^\/pika\/generate$/, prompt: 'a dancing robot 🤖' },
  {
    family: 'runway-pro',
    model: 'runway-gen4',
    submitPath: /^\/runway\/pro\/generate$/,
    prompt: '雨夜霓虹 neon rain 🌧',
  },
];

describe('video clients: text to video against the fake', () => {
  for (const c of CASES) {
    it(`${c.family}: submits, progresses and finishes with a video URL`, async () => {
      const ref = await h.client.videoSubmit({ family: c.family, model: c.model, prompt: c.prompt });
      expect(ref.startsWith(`${c.family}:`)).toBe(true);
      const submit = h.fake.requests.find((r) => r.method === 'POST' && c.submitPath.test(r.path));
      expect(submit, 'submit request').toBeDefined();
      expect(JSON.stringify(submit!.json)).toContain(JSON.stringify(c.prompt).slice(1, -1));
      const seen = await pollToEnd(ref);
      expect(seen[0]!.state).toBe('queued');
      expect(seen.some((s) => s.state === 'running')).toBe(true);
      const last = seen.at(-1)!;
      expect(last.state).toBe('success');
      expect(last.videoUrl).toMatch(new RegExp(`/files/${c.family}-video-\\d+\\.mp4$`));
    });
  }

  it('runway refuses text only in the client, before any request', async () => {
    await expect(
      h.client.videoSubmit({ family: 'runway', model: 'gen4_turbo', prompt: 'x' }),
    ).rejects.toThrow(/image only/);
    expect(h.fake.requests).toHaveLength(0);
  });

  it('progress is read where the family reports it (runway fraction, veo "%", pika number)', async () => {
    const runway = await h.client.videoSubmit({
      family: 'runway',
      model: 'gen4_turbo',
      prompt: '镜头推进 push in 🎥',
      image: PNG_DATA_URL,
      ratio: '9:16',
    });
    const body = h.fake.requestsTo('POST', '/runwayml/v1/image_to_video')[0]!.json as Json;
    expect(body).toEqual({
      promptImage: PNG_DATA_URL,
      model: 'gen4_turbo',
      promptText: '镜头推进 push in 🎥',
      duration: 5,
      ratio: '720:1280',
    });
    const seen = await pollToEnd(runway);
    expect(seen.map((s) => s.progress).filter((p) => p !== undefined)).toEqual([33, 67]);
    expect(seen.at(-1)?.state).toBe('success');
  });
});

describe('video clients: image to video sends the image', () => {
  const withImage = (family: VideoTaskFamily, model: string): VideoSubmit => ({
    family,
    model,
    prompt: 'make it move 动起来 ✨',
    image: PNG_DATA_URL,
  });

  it('kling posts image2video with raw base64 and polls on that path', async () => {
    const ref = await h.client.videoSubmit(withImage('kling', 'kling-v1-6'));
    expect(ref).toMatch(/^kling:image2video:\d+$/);
    const body = h.fake.requestsTo('POST', '/kling/v1/videos/image2video')[0]!.json as Json;
    expect(body.image).toBe(PNG_BASE64);
    expect((await pollToEnd(ref)).at(-1)?.state).toBe('success');
    expect(h.fake.requestsTo('GET', '/kling/v1/videos/image2video/*').length).toBeGreaterThan(0);
  });

  it('vidu img2video, luma image_url, veo -frames images, jimeng base64, pika image', async () => {
    await h.client.videoSubmit(withImage('vidu', 'vidu-1'));
    const vidu = h.fake.requestsTo('POST', '/vidu/v1/tasks')[0]!.json as Json;
    expect(vidu.type).toBe('img2video');
    expect(vidu.input.prompts[1]).toEqual({ type: 'image', content: PNG_DATA_URL, enhance: true });

    await h.client.videoSubmit(withImage('luma', 'luma'));
    expect((h.fake.requestsTo('POST', '/luma/generations')[0]!.json as Json).image_url).toBe(PNG_DATA_URL);

    await h.client.videoSubmit(withImage('veo', 'veo3-fast'));
    const veo = h.fake.requestsTo('POST', '/v1/video/generations')[0]!.json as Json;
    expect(veo.model).toBe('veo3-fast-frames');
    expect(veo.images).toEqual([PNG_DATA_URL]);

    await h.client.videoSubmit(withImage('jimeng', 'jimeng-video'));
    const jimeng = h.fake.requestsTo('POST', '/task/jimeng/image2video')[0]!.json as Json;
    expect(jimeng.binary_data_base64).toEqual([PNG_BASE64]);

    await h.client.videoSubmit(withImage('pika', 'pika-1.5'));
    const pika = h.fake.requestsTo('POST', '/pika/generate')[0]!.json as Json;
    expect(pika.image).toBe(PNG_DATA_URL);
    expect(pika.model).toBe('1.5');
    expect(pika.options.aspectRatio).toBeUndefined();
  });
});

describe('video clients: refusals and unknown tasks', () => {
  it('an empty prompt is refused by the gateway with its words (no task)', async () => {
    const error = await h.client
      .videoSubmit({ family: 'kling', model: 'kling-v1', prompt: '' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BotError);
    expect((error as BotError).kind).toBe('bad_request');
    expect((error as BotError).upstreamMessage).toContain('prompt is required');
    expect(h.fake.unexpected).toEqual(['POST /kling/v1/videos/text2video: prompt is required']);
    h.fake.unexpected.splice(0);
  });

  it('an unknown task reads as undefined for every family (a miss for the poller)', async () => {
    for (const ref of [
      'vidu:nope',
      'kling:text2video:1',
      'luma:nope',
      'runway:nope',
      'veo:nope',
      'jimeng:nope',
      'pika:nope',
      'runway-pro:nope',
    ]) {
      expect(await h.client.videoFetch(ref), ref).toBeUndefined();
    }
  });

  it('a failed task carries the reason', async () => {
    videoFake(h.fake).scripts.push({ polls: 1, fail: '内容审核未通过 moderation' });
    const ref = await h.client.videoSubmit({ family: 'luma', model: 'luma', prompt: 'x' });
    const last = (await pollToEnd(ref)).at(-1)!;
    expect(last).toMatchObject({ state: 'failure', reason: '内容审核未通过 moderation' });
  });

  it('jimeng moderation codes are a content-policy refusal', async () => {
    h.fake.enqueue('POST /task/jimeng/text2video', {
      kind: 'json',
      status: 200,
      body: { code: 50412, message: 'Text Risk Not Pass', data: null, status: 50412 },
    });
    const error = await h.client
      .videoSubmit({ family: 'jimeng', model: 'jimeng-video', prompt: 'bad' })
      .catch((e: unknown) => e);
    expect((error as BotError).kind).toBe('content_policy');
    expect((error as BotError).upstreamMessage).toBe('Text Risk Not Pass');
  });
});

describe('video clients: documented envelope variants', () => {
  const ok = (body: unknown) => ({ kind: 'json' as const, status: 200, body });

  it('kling: the new-api unified shape (status, url) as well as the official one', async () => {
    h.fake.enqueue(
      'GET /kling/v1/videos/text2video/77',
      ok({ task_id: '77', status: 'success', url: 'https://cdn/k.mp4' }),
    );
    expect(await h.client.videoFetch('kling:text2video:77')).toMatchObject({
      state: 'success',
      videoUrl: 'https://cdn/k.mp4',
    });
  });

  it('kling: a non-zero code in a 200 is a refusal', async () => {
    h.fake.enqueue(
      'POST /kling/v1/videos/text2video',
      ok({ code: 1102, message: '账户余额不足 balance', data: null }),
    );
    await expect(h.client.videoSubmit({ family: 'kling', model: 'kling-v1', prompt: 'x' })).rejects.toThrow(
      /余额不足/,
    );
  });

  it('luma and vidu: a relay-wrapped object ({code, data:{…}}) is read like the raw one', async () => {
    h.fake.enqueue(
      'GET /luma/generations/g1',
      ok({ code: 200, data: { id: 'g1', state: 'completed', video: { url: 'https://cdn/l.mp4' } } }),
    );
    expect(await h.client.videoFetch('luma:g1')).toMatchObject({
      state: 'success',
      videoUrl: 'https://cdn/l.mp4',
      extendId: 'g1',
    });
    h.fake.enqueue(
      'GET /vidu/v1/tasks/v1',
      ok({ code: 0, data: { id: 'v1', state: 'success', creations: [{ uri: 'https://cdn/v.mp4' }] } }),
    );
    expect(await h.client.videoFetch('vidu:v1')).toMatchObject({
      state: 'success',
      videoUrl: 'https://cdn/v.mp4',
    });
  });

  it('veo: submit answers {id} or {data:{task_id}}; poll answers the flat unified form', async () => {
    h.fake.enqueue('POST /v1/video/generations', ok({ id: 'veo3-fast:abc' }));
    expect(await h.client.videoSubmit({ family: 'veo', model: 'veo3-fast', prompt: 'x' })).toBe(
      'veo:veo3-fast:abc',
    );
    h.fake.enqueue('POST /v1/video/generations', ok({ code: 'success', data: { task_id: 't9' } }));
    expect(await h.client.videoSubmit({ family: 'veo', model: 'veo3-fast', prompt: 'x' })).toBe('veo:t9');
    h.fake.enqueue(
      'GET /v1/video/generations/t9',
      ok({ id: 't9', status: 'completed', video_url: 'https://cdn/o.mp4' }),
    );
    expect(await h.client.videoFetch('veo:t9')).toMatchObject({
      state: 'success',
      videoUrl: 'https://cdn/o.mp4',
    });
    h.fake.enqueue(
      'GET /v1/video/generations/t8',
      ok({ code: 'success', data: { status: 'SUCCESS', videoUrl: 'https://cdn/p.mp4', data: null } }),
    );
    expect(await h.client.videoFetch('veo:t8')).toMatchObject({ videoUrl: 'https://cdn/p.mp4' });
  });

  it('jimeng: the URL inside resp_data (a JSON string) when video_url is empty', async () => {
    h.fake.enqueue(
      'GET /task/j1',
      ok({
        code: 10000,
        data: { status: 'done', video_url: '', resp_data: '{"video_url":"https://cdn/j.mp4"}' },
      }),
    );
    expect(await h.client.videoFetch('jimeng:j1')).toMatchObject({ videoUrl: 'https://cdn/j.mp4' });
  });
});

describe('video clients: extend', () => {
  it('kling extends a finished video by its video id; luma by its generation id', async () => {
    const ref = await h.client.videoSubmit({ family: 'kling', model: 'kling-v1-6', prompt: '走路 walk 🚶' });
    const done = (await pollToEnd(ref)).at(-1)!;
    expect(done.extendId).toMatch(/^kling-video-\d+$/);
    const ext = await h.client.videoSubmit({
      family: 'kling',
      model: 'kling-v1-6',
      prompt: 'then runs 然后跑 🏃',
      extendOf: done.extendId,
    });
    expect(ext).toMatch(/^kling:video-extend:\d+$/);
    expect(h.fake.requestsTo('POST', '/kling/v1/videos/video-extend')[0]!.json).toEqual({
      video_id: done.extendId,
      prompt: 'then runs 然后跑 🏃',
    });
    expect((await pollToEnd(ext)).at(-1)?.state).toBe('success');

    const luma = await h.client.videoSubmit({ family: 'luma', model: 'luma', prompt: 'a' });
    const lumaDone = (await pollToEnd(luma)).at(-1)!;
    const lumaExt = await h.client.videoSubmit({
      family: 'luma',
      model: 'luma',
      prompt: 'b',
      extendOf: lumaDone.extendId,
    });
    expect(h.fake.requestsTo('POST', `/luma/generations/${lumaDone.extendId}/extend`)[0]!.json).toEqual({
      user_prompt: 'b',
      expand_prompt: true,
    });
    expect((await pollToEnd(lumaExt)).at(-1)?.state).toBe('success');
  });
});

describe('the fake is as strict as the gateway', () => {
  const post = (path: string, body: unknown) =>
    fetch(`${h.fake.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${FAKE_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('image-to-video without an image, and a missing prompt, are refused with 400', async () => {
    const refused: Array<[string, unknown]> = [
      ['/kling/v1/videos/image2video', { model_name: 'kling-v1', prompt: 'x' }],
      ['/kling/v1/videos/image2video', { model_name: 'kling-v1', image: PNG_DATA_URL }],
      ['/runwayml/v1/image_to_video', { model: 'gen4_turbo', ratio: '1280:720', duration: 5 }],
      ['/task/jimeng/image2video', { prompt: 'x' }],
      [
        '/vidu/v1/tasks',
        {
          type: 'img2video',
          input: { prompts: [{ type: 'text', content: 'x' }] },
          settings: { model: 'vidu-1', duration: 4 },
        },
      ],
      ['/v1/video/generations', { model: 'veo3-fast-frames', prompt: 'x' }],
      ['/luma/generations', { aspect_ratio: '16:9' }],
      ['/pika/generate', { model: '2.0' }],
      ['/runway/pro/generate', { model: 'gen4', ratio: '16:9' }],
    ];
    for (const [path, body] of refused) {
      const res = await post(path, body);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as Json).error.message, path).toBeTruthy();
    }
    expect(h.fake.unexpected).toHaveLength(refused.length);
    expect(videoFake(h.fake).tasks.size).toBeGreaterThan(0); // earlier tests' tasks only
    h.fake.unexpected.splice(0);
  });

  it('a task answers queued, then progresses one stage per poll', async () => {
    const ref = await h.client.videoSubmit({ family: 'pika', model: 'pika-2.0', prompt: '一步一步 step 👣' });
    const states = (await pollToEnd(ref)).map(
      (s) => `${s.state}${s.progress === undefined ? '' : `:${s.progress}`}`,
    );
    expect(states).toEqual(['queued', 'running:33', 'running:67', 'success']);
  });
});
