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
  dir = mkdtempSync(join(tmpdir(), 'bot-media-'));
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

const FAST = { TASK_POLL_INTERVAL_MS: '100' };

describe('media commands through the console, against the fake APICore', () => {
  it('/describe sends the file’s exact bytes and shows the four prompts with buttons', async () => {
    const photo = join(dir, 'photo.png');
    writeFileSync(photo, TINY_PNG);
    const run = await runConsole(fake, [`/describe ${photo}`], { env: FAST });
    const [submit] = fake.requestsTo('POST', '/mj/submit/describe');
    const base64 = (submit!.json as { base64: string }).base64;
    expect(base64.startsWith('data:image/png;base64,')).toBe(true);
    expect(Buffer.from(base64.split(',')[1]!, 'base64').equals(Buffer.from(TINY_PNG))).toBe(true);
    expect(run.output).toContain('🖼️ Four prompts for this image:');
    expect(run.output).toContain(
      '1️⃣ a rainy city street at night, neon reflections on wet asphalt, cinematic lighting --ar 1:1',
    );
    expect(run.output).toContain(
      '4️⃣ 雨中的城市 city in the rain, ukiyo-e style, deep blue palette 🌧 --ar 1:1',
    );
    expect(run.output).toContain('[🎨 Imagine 1] [🎨 Imagine 2] [🎨 Imagine 3] [🎨 Imagine 4]');
    expect(run.output).toContain('✅ Midjourney · done');
    expect(fake.unexpected).toEqual([]);
  });

  it('/imagine delivers the grid; pressing U1 runs the action and delivers the upscale', async () => {
    const run = await runConsole(fake, ['/imagine 一只猫 a cat 🐱 --ar 1:1', { after: /\[U1\]/ }, '[U1]'], {
      env: FAST,
    });
    const [imagine] = fake.requestsTo('POST', '/mj/submit/imagine');
    expect(imagine?.json).toEqual({ prompt: '一只猫 a cat 🐱 --ar 1:1' });
    const [action] = fake.requestsTo('POST', '/mj/submit/action');
    const body = action?.json as { taskId: string; customId: string };
    const grid = [...fake.mjTasks.values()].find((t) => t.action === 'IMAGINE');
    expect(body.taskId).toBe(grid?.id);
    expect(body.customId).toMatch(/upsample::1::/);
    expect(run.output).toContain('🎨 一只猫 a cat 🐱 --ar 1:1\n📎 image: ');
    expect(run.output).toContain('[U1] [U2] [U3] [U4]');
    expect(run.output.match(/✅ Midjourney · done/g)).toHaveLength(2);
    // The upscale arrives as a second image.
    expect(run.output.match(/📎 image: /g)).toHaveLength(2);
  });

  it('/song delivers each clip as audio with its title and lyrics', async () => {
    const run = await runConsole(fake, ['/song 雨天的爵士 a rainy jazz song'], { env: FAST });
    expect(fake.requestsTo('POST', '/suno/submit/music')[0]?.json).toEqual({
      gpt_description_prompt: '雨天的爵士 a rainy jazz song',
      // SUNO_MODEL's default: chirp-auk (v4.5), the oldest model with stems, video and timed lyrics.
      mv: 'chirp-auk',
    });
    expect(run.output.match(/📎 audio: http:\/\/127\.0\.0\.1:\d+\/files\/clip-\d+\.mp3/g)).toHaveLength(2);
    expect(run.output).toContain('🎵 雨中的城市 🌧');
    expect(run.output).toContain('✅ Suno · 2 clip(s) delivered');
    // The poller asked the batch endpoint, never the single-task one.
    expect(fake.requestsTo('GET', '/suno/fetch/*')).toHaveLength(0);
    expect(fake.requestsTo('POST', '/suno/fetch').length).toBeGreaterThanOrEqual(3);
  });

  it('/video shows progress from the stream and delivers the video', async () => {
    const answer = [
      '```json\n{"prompt":"海浪 waves"}\n```\n',
      '> 排队中..\n',
      '> 生成中..\n',
      '> 生成中....\n',
      '> 生成完成 ✅\n',
      `![cover](${fake.url}/files/cover.png)\n[▶️ video](${fake.url}/files/video.mp4)\n`,
    ].join('');
    fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks(answer, { pieces: 6, model: 'vidu-video' }),
    });
    const run = await runConsole(fake, ['/video 海浪 waves 🌊'], { env: FAST });
    expect(fake.requestsTo('POST', '/v1/chat/completions')[0]?.json).toMatchObject({
      model: 'vidu-video',
      stream: true,
    });
    expect(run.output).toContain('✅ Video · done');
    expect(run.output).toContain(`🎬 海浪 waves 🌊\n📎 video: ${fake.url}/files/video.mp4`);
  });

  it('a tool call in chat submits a song through the same task records and tells the user', async () => {
    fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks('', {
        toolCalls: [
          {
            id: 'call_1',
            name: 'write_song',
            arguments: '{"prompt":"生日快乐 happy birthday 🎂","tags":"pop"}',
            pieces: 4,
          },
        ],
      }),
    });
    fake.enqueue('POST /v1/chat/completions', {
      kind: 'sse',
      events: chatChunks('I asked Suno for your song 🎶 正在创作。'),
    });
    const run = await runConsole(fake, ['/model gpt-4o', 'Write me a birthday song 写首生日歌'], {
      env: FAST,
    });
    const chats = fake
      .requestsTo('POST', '/v1/chat/completions')
      .map((r) => r.json as { tools?: unknown[]; messages: { role: string; content: unknown }[] });
    expect(chats[0]!.tools?.length).toBeGreaterThan(0);
    expect(chats[1]!.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_1' });
    expect(String(chats[1]!.messages.at(-1)!.content)).toMatch(/^submitted Suno task /);
    expect(fake.requestsTo('POST', '/suno/submit/music')[0]?.json).toEqual({
      gpt_description_prompt: '生日快乐 happy birthday 🎂',
      tags: 'pop',
      mv: 'chirp-auk',
    });
    expect(run.output).toContain('🔧 write_song\n\nI asked Suno for your song 🎶 正在创作。');
    expect(run.output).toContain('✅ Suno · 2 clip(s) delivered');
  });

  it('refuses a non-image file to describe, in the user’s language', async () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not an image');
    const run = await runConsole(fake, [`/describe ${text}`], { locale: 'zh_CN.UTF-8' });
    expect(run.output).toBe('“notes.txt” 不是可识别的图片（支持 PNG、JPEG、GIF、WebP）。\n');
    expect(fake.requestsTo('POST', '/mj/submit/describe')).toHaveLength(0);
  });
});
