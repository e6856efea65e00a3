import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeApiCore, TINY_PNG } from '../fakes/apicore.js';
import { runConsole } from '../helpers/console-app.js';

let fake: FakeApiCore;
let photo: string;
let gif: string;
beforeAll(async () => {
  fake = await FakeApiCore.start();
  const dir = mkdtempSync(join(tmpdir(), 'bot-draw-'));
  photo = join(dir, 'cat.png');
  writeFileSync(photo, TINY_PNG);
  gif = join(dir, 'anim.gif');
  writeFileSync(gif, Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'));
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.unexpected.length = 0;
});

const b64 = TINY_PNG.toString('base64');

describe('/draw with a reference image, through the console', () => {
  it('gpt-image-1 edit: the image bytes reach /v1/images/edits as multipart; the result is a photo', async () => {
    const run = await runConsole(fake, [`/draw 给猫戴帽子 put a hat on the cat 🎩 ${photo}`]);
    const [edit] = fake.requestsTo('POST', '/v1/images/edits');
    const image = edit?.parts?.find((p) => p.name === 'image');
    expect(image?.data.equals(TINY_PNG)).toBe(true);
    expect(edit?.parts?.find((p) => p.name === 'prompt')?.data.toString()).toBe(
      '给猫戴帽子 put a hat on the cat 🎩',
    );
    expect(edit?.parts?.find((p) => p.name === 'model')?.data.toString()).toBe('gpt-image-1');
    expect(run.output).toContain('✅ Done (gpt-image-1)');
    expect(run.output).toMatch(/🖼️ 给猫戴帽子 put a hat on the cat 🎩\n📎 image: image-1\.png \(\d+ bytes\)/);
    expect(fake.unexpected).toEqual([]);
  });

  it('dall-e-2 without a prompt makes a variation', async () => {
    const run = await runConsole(fake, [`/draw dall-e-2 ${photo}`]);
    const [variation] = fake.requestsTo('POST', '/v1/images/variations');
    expect(variation?.parts?.find((p) => p.name === 'image')?.data.equals(TINY_PNG)).toBe(true);
    expect(run.output).toContain(`📎 image: ${fake.url}/files/variation-1.png`);
    expect(fake.requestsTo('POST', '/v1/images/edits')).toHaveLength(0);
    expect(fake.unexpected).toEqual([]);
  });

  it('flux-kontext with an image: generations with input_image and the ratio', async () => {
    const run = await runConsole(fake, [
      `/draw model:flux-kontext-pro 变成水彩 watercolor 🖌 --ar 16:9 ${photo}`,
    ]);
    expect(fake.requestsTo('POST', '/v1/images/generations')[0]?.json).toEqual({
      model: 'flux-kontext-pro',
      prompt: '变成水彩 watercolor 🖌',
      n: 1,
      aspect_ratio: '16:9',
      input_image: b64,
    });
    expect(run.output).toContain(`📎 image: ${fake.url}/files/kontext-edit-1.png`);
    expect(fake.unexpected).toEqual([]);
  });

  it('a chat-format model (gpt-4o-image): its markdown image link arrives as a photo, not a link', async () => {
    const run = await runConsole(fake, [`/draw model:gpt-4o-image 一只柴犬 a shiba 🐕 ${photo}`]);
    const body = fake.requestsTo('POST', '/v1/chat/completions')[0]?.json as {
      model: string;
      stream: boolean;
      messages: { content: unknown }[];
    };
    expect(body.model).toBe('gpt-4o-image');
    expect(body.messages[0]?.content).toEqual([
      { type: 'text', text: '一只柴犬 a shiba 🐕' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${b64}` } },
    ]);
    expect(run.output).toMatch(/📎 image: \S+\/files\/gpt4o-image-\d+\.png/);
    expect(run.output).not.toMatch(/!\[gen_/);
    expect(run.output).toContain('✅ Done (gpt-4o-image)');
    expect(fake.requestsTo('GET', '/files/*').length).toBeGreaterThan(0);
  });

  it('text only: dall-e-3 at a ratio, grok, seedream and Kling (polled) each deliver', async () => {
    const run = await runConsole(fake, [
      '/draw model:dall-e-3 size:16:9 灯塔 lighthouse 🌅',
      '/draw model:grok-2-image robot 机器人 🤖',
      '/draw model:doubao-seedream-3-0-t2i-250415 size:1280x720 竹林 bamboo 🎋',
      '/draw model:kling-v1 山水 mountains ⛰️',
    ]);
    const gens = fake.requestsTo('POST', '/v1/images/generations').map((r) => r.json);
    expect(gens).toEqual([
      { model: 'dall-e-3', prompt: '灯塔 lighthouse 🌅', n: 1, size: '1792x1024' },
      { model: 'grok-2-image', prompt: 'robot 机器人 🤖', n: 1 },
      { model: 'doubao-seedream-3-0-t2i-250415', prompt: '竹林 bamboo 🎋', n: 1, size: '1280x720' },
    ]);
    expect(fake.requestsTo('GET', '/kling/v1/images/generations/*')).toHaveLength(1);
    expect(run.output).toMatch(/📎 image: \S+\/files\/kling-image-\d+-0\.png/);
    expect(run.output.match(/✅ Done/g)).toHaveLength(4);
    expect(fake.unexpected).toEqual([]);
  });

  it('refuses before paying, in Chinese for a Chinese user', async () => {
    const run = await runConsole(
      fake,
      [
        `/draw model:dall-e-3 改成夜景 ${photo}`,
        '/draw model:dalle3 a cat',
        '/draw model:dall-e-3 size:512x512 a cat',
        `/draw model:dall-e-2 加一扇门 ${gif}`,
        `/draw ${photo}`,
      ],
      { locale: 'zh_CN.UTF-8' },
    );
    expect(run.output).toContain('dall-e-3 只支持文字生成，不接受参考图');
    expect(run.output).toMatch(/未知的图片模型“dalle3”。最接近的：[^\n]*dall-e-3/);
    expect(run.output).toContain('dall-e-3 支持的尺寸：1024x1024、1792x1024、1024x1792（收到“512x512”）。');
    expect(run.output).toContain('dall-e-2 只能编辑 4 MB 以下的正方形 PNG');
    expect(run.output).toContain('请说明要如何修改图片');
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});
