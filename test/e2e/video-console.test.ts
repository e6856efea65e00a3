import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatChunks, FakeApiCore, TINY_PNG } from '../fakes/apicore.js';
import { runConsole } from '../helpers/console-app.js';

let fake: FakeApiCore;
let dir: string;
beforeAll(async () => {
  fake = await FakeApiCore.start();
  dir = mkdtempSync(join(tmpdir(), 'bot-video-'));
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.unexpected.length = 0;
});

const FAST = { TASK_POLL_INTERVAL_MS: '100' };

const FAMILIES = [
  { model: 'vidu-1', family: 'vidu', label: 'Vidu', submit: '/vidu/v1/tasks', prompt: '海浪 waves 🌊' },
  {
    model: 'kling-v1-6',
    family: 'kling',
    label: 'Kling',
    submit: '/kling/v1/videos/text2video',
    prompt: '猫 a cat 🐱',
  },
  { model: 'ray-v2', family: 'luma', label: 'Luma', submit: '/luma/generations', prompt: '夜城 a city 🌃' },
  {
    model: 'veo3-fast',
    family: 'veo',
    label: 'Veo',
    submit: '/v1/video/generations',
    prompt: '日出 sunrise 🌅',
  },
  {
    model: 'jimeng-video',
    family: 'jimeng',
    label: 'Jimeng',
    submit: '/task/jimeng/text2video',
    prompt: '竹林 bamboo 🎋',
  },
  { model: 'pika-2.0', family: 'pika', label: 'Pika', submit: '/pika/generate', prompt: 'robot 机器人 🤖' },
  {
    model: 'runway-gen4',
    family: 'runway-pro',
    label: 'Runway',
    submit: '/runway/pro/generate',
    prompt: '雨夜 rainy night 🌧',
  },
] as const;

describe('/video through the console: every task family, polled by the task system', () => {
  for (const f of FAMILIES) {
    it(`${f.model}: text to video, delivered as a video file`, async () => {
      const run = await runConsole(fake, [`/video model:${f.model} ${f.prompt}`], { env: FAST });
      expect(fake.requestsTo('POST', f.submit)).toHaveLength(1);
      expect(JSON.stringify(fake.requestsTo('POST', f.submit)[0]!.json)).toContain(
        JSON.stringify(f.prompt).slice(1, -1),
      );
      expect(run.output).toMatch(
        new RegExp(`🎬 ${f.prompt}\\n📎 video: ${fake.url}/files/${f.family}-video-\\d+\\.mp4`),
      );
      expect(run.output).toContain(`✅ ${f.label} · video delivered`);
      expect(fake.unexpected).toEqual([]);
    });
  }

  it('a model id as the first word picks the family too', async () => {
    const run = await runConsole(fake, ['/video kling-v1 一只狗 a dog 🐶'], { env: FAST });
    expect(fake.requestsTo('POST', '/kling/v1/videos/text2video')[0]!.json).toMatchObject({
      model_name: 'kling-v1',
      prompt: '一只狗 a dog 🐶',
    });
    expect(run.output).toContain('✅ Kling · video delivered');
  });

  it('image to video: the file’s bytes reach the gateway (runway, image only)', async () => {
    const photo = join(dir, 'frame.png');
    writeFileSync(photo, TINY_PNG);
    const run = await runConsole(fake, [`/video model:gen4_turbo 镜头推进 push in 🎥 ${photo}`], {
      env: FAST,
    });
    const body = fake.requestsTo('POST', '/runwayml/v1/image_to_video')[0]!.json as { promptImage: string };
    expect(body.promptImage).toBe(`data:image/png;base64,${TINY_PNG.toString('base64')}`);
    expect(run.output).toMatch(/📎 video: \S+\/files\/runway-video-\d+\.mp4/);
    expect(run.output).toContain('✅ Runway · video delivered');
  });

  it('refuses before paying: runway without an image, an unknown model, a Jimeng prompt over 150', async () => {
    const long = '长'.repeat(151);
    const run = await runConsole(
      fake,
      [
        '/video model:gen4_turbo 只有文字 text only',
        '/video model:klingv16 a cat',
        `/video model:jimeng-video ${long}`,
      ],
      { env: FAST },
    );
    expect(run.output).toContain('gen4_turbo makes videos from an image: attach one');
    expect(run.output).toMatch(/Unknown video model “klingv16”\. Closest: [^\n]*kling-v1-6/);
    expect(run.output).toContain('Jimeng takes prompts of at most 150 characters (this one has 151).');
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('a prompt the gateway refuses shows its words and polls nothing', async () => {
    fake.enqueue('POST /kling/v1/videos/text2video', {
      kind: 'json',
      status: 200,
      body: { code: 1301, message: '触发内容安全策略 content risk', request_id: 'r', data: null },
    });
    const run = await runConsole(fake, ['/video model:kling-v1-6 bad thing'], { env: FAST });
    expect(run.output).toContain('触发内容安全策略 content risk');
    expect(fake.requestsTo('GET', '/kling/v1/videos/*')).toHaveLength(0);
  });

  it('a failed task says why, in Chinese for a Chinese user', async () => {
    const { videoFake } = await import('../fakes/apicore/video.js');
    videoFake(fake).scripts.push({ polls: 2, fail: 'moderation 审核未通过' });
    const run = await runConsole(fake, ['/video model:luma 一场雨 rain ☔'], {
      env: FAST,
      locale: 'zh_CN.UTF-8',
    });
    expect(run.output).toContain('🎬 Luma · 排队中…');
    expect(run.output).toContain('❌ 任务失败：moderation 审核未通过');
    expect(run.output).not.toContain('📎 video');
  });

  it('Extend (Kling): the button asks what happens next and delivers the continuation', async () => {
    const run = await runConsole(
      fake,
      [
        '/video model:kling-v1-6 走路 walking 🚶',
        { after: /\[⏩ Extend\]/ },
        '[⏩ Extend]',
        { after: /What happens next/ },
        '然后奔跑 then runs 🏃',
      ],
      { env: FAST },
    );
    const [extend] = fake.requestsTo('POST', '/kling/v1/videos/video-extend');
    expect(extend?.json).toEqual({
      video_id: expect.stringMatching(/^kling-video-\d+$/),
      prompt: '然后奔跑 then runs 🏃',
    });
    expect(run.output).toMatch(/⏩ 然后奔跑 then runs 🏃\n📎 video: \S+\/files\/kling-video-\d+\.mp4/);
    expect(run.output.match(/✅ Kling · video delivered/g)).toHaveLength(2);
    expect(fake.unexpected).toEqual([]);
  });

  it('a chat-format model (sora) streams its progress and takes the image as an image part', async () => {
    const photo = join(dir, 'first.png');
    writeFileSync(photo, TINY_PNG);
    const answer = [
      '> 排队中…\n',
      '> 🏃 进度 12..40..',
      '77..\n',
      '> 生成完成 ✅\n',
      `![cover](${fake.url}/files/cover.png)\n[在线播放▶️](${fake.url}/files/sora.mp4)\n`,
    ].join('');
    fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks(answer, { pieces: 5, model: 'sora-2' }),
    });
    const run = await runConsole(fake, [`/video sora-2 一只猫跳舞 a cat dancing 🐱 ${photo}`], { env: FAST });
    const body = fake.requestsTo('POST', '/v1/chat/completions')[0]!.json as {
      model: string;
      messages: { content: { type: string; text?: string; image_url?: { url: string } }[] }[];
    };
    expect(body.model).toBe('sora-2');
    expect(body.messages[0]!.content).toEqual([
      { type: 'text', text: '一只猫跳舞 a cat dancing 🐱' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${TINY_PNG.toString('base64')}` } },
    ]);
    expect(run.output).toContain('✅ Video · done');
    expect(run.output).toContain(`🎬 一只猫跳舞 a cat dancing 🐱\n📎 video: ${fake.url}/files/sora.mp4`);
  });
});
