import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiCoreClient } from '../../../src/apicore/client.js';
import type { ChatRef } from '../../../src/core/platform.js';
import { imageTaskRef, parseImageTaskRef, type TaskRecord } from '../../../src/core/tasks.js';
import { silentLogger } from '../../../src/log.js';
import { SchedulerRegistry } from '../../../src/render/scheduler.js';
import { ButtonRegistry } from '../../../src/store/buttons.js';
import { memoryStore } from '../../../src/store/index.js';
import { imageTasks, imageView } from '../../../src/tasks/families/images.js';
import { FAMILIES } from '../../../src/tasks/families/index.js';
import { DEADLINE_MS, TaskPoller } from '../../../src/tasks/poller.js';
import { klingImageFake } from '../../fakes/apicore/images.js';
import { FAKE_API_KEY, FakeApiCore } from '../../fakes/apicore.js';
import { RecordingAdapter } from '../../helpers/recording-adapter.js';

let fake: FakeApiCore;
let client: ApiCoreClient;
beforeAll(async () => {
  fake = await FakeApiCore.start();
  client = new ApiCoreClient({
    baseUrl: fake.url,
    apiKey: FAKE_API_KEY,
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  });
});
afterAll(async () => {
  await client.close();
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.unexpected.length = 0;
});

function record(upstreamId: string, lang: 'en' | 'zh' = 'en', meta?: Record<string, string>): TaskRecord {
  return {
    id: `image-task:${upstreamId}`,
    kind: 'image-task',
    purpose: 'draw',
    upstreamId,
    platform: 'console',
    chat: { platform: 'console', id: 'c', kind: 'private' },
    requester: { id: 'u', name: 'U' },
    lang,
    statusMessage: { chatId: 'c', messageId: '1' },
    replyTo: undefined,
    submittedAt: 0,
    deadline: 1,
    state: 'pending',
    wantedStatus: '',
    parts: [],
    outcome: undefined,
    misses: 0,
    owner: undefined,
    meta: meta ?? { prompt: '山水 mountains ⛰️', model: 'kling-v1', label: 'Kling' },
  };
}

describe('the image-task family', () => {
  it('is registered once, with its own deadline; references name the provider', () => {
    expect(FAMILIES.filter((f) => f.kind === 'image-task')).toEqual([imageTasks]);
    expect(DEADLINE_MS['image-task']).toBe(imageTasks.deadlineMs);
    expect(imageTaskRef('kling', '8123')).toBe('kling:8123');
    expect(parseImageTaskRef('kling:8123')).toEqual({ family: 'kling', taskId: '8123' });
    expect(parseImageTaskRef('kling:')).toBeUndefined();
    expect(parseImageTaskRef('flux:1')).toBeUndefined();
    expect(parseImageTaskRef('8123')).toBeUndefined();
  });

  it('queued, drawing, done and failed, in the record’s language', () => {
    const en = record('kling:1');
    const zh = record('kling:1', 'zh');
    expect(imageView(en, { state: 'queued', urls: [] })).toEqual({
      state: 'running',
      status: '🖌️ Kling · queued…',
    });
    expect(imageView(zh, { state: 'running', urls: [] })).toEqual({
      state: 'running',
      status: '🖌️ Kling · 绘制中…',
    });
    expect(imageView(zh, { state: 'failure', urls: [], reason: '内容违规 policy' })).toEqual({
      state: 'failure',
      reason: '❌ Kling：未生成图片。内容违规 policy',
    });
    expect(imageView(en, { state: 'success', urls: [] })).toMatchObject({ state: 'failure' });
    expect(imageTasks.doneText(en, 1)).toBe('✅ Done (kling-v1)');
    expect(imageTasks.doneText(zh, 1)).toBe('✅ 完成（kling-v1）');
  });

  it('success is one photo part per image', () => {
    const view = imageView(record('kling:1'), {
      state: 'success',
      urls: ['https://cdn/a.png', 'https://cdn/b.png'],
    });
    expect(view).toEqual({
      state: 'success',
      parts: [
        {
          id: 'image-1',
          text: '🖼️ 山水 mountains ⛰️',
          file: { url: 'https://cdn/a.png', kind: 'image', name: 'kling-image-1.png' },
        },
        {
          id: 'image-2',
          text: '🖼️ 山水 mountains ⛰️',
          file: { url: 'https://cdn/b.png', kind: 'image', name: 'kling-image-2.png' },
        },
      ],
    });
  });

  it('asks the provider the reference names; a task the gateway does not know is a miss', async () => {
    klingImageFake(fake).scripts.push({ pending: 1 });
    const id = await client.klingImageSubmit({ model: 'kling-v1', prompt: 'a cat 🐱' });
    const first = await imageTasks.fetchOne!(client, imageTaskRef('kling', id));
    expect(first?.(record(`kling:${id}`))).toEqual({ state: 'running', status: '🖌️ Kling · queued…' });
    const second = await imageTasks.fetchOne!(client, imageTaskRef('kling', id));
    expect(second?.(record(`kling:${id}`))).toMatchObject({
      state: 'success',
      parts: [{ file: { url: `${fake.url}/files/${id}-0.png` } }],
    });
    expect(fake.requestsTo('GET', `/kling/v1/images/generations/${id}`)).toHaveLength(2);
    expect(await imageTasks.fetchOne!(client, imageTaskRef('kling', 'no-such-task'))).toBeUndefined();
    expect(await imageTasks.fetchOne!(client, 'nonsense')).toBeUndefined();
  });
});

describe('Kling images on the shared poller', () => {
  const chat: ChatRef = { platform: 'test', id: 'chat-1', kind: 'group' };
  let poller: TaskPoller | undefined;
  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
  });

  it('progress on the status message, then the image delivered as a photo', async () => {
    const store = memoryStore();
    const adapter = new RecordingAdapter();
    poller = new TaskPoller({
      store,
      apicore: client,
      buttons: new ButtonRegistry(store),
      schedulers: new SchedulerRegistry(),
      log: silentLogger(),
      intervalMs: 24 * 3600_000, // ticks only when the test calls tick()
    });
    await poller.start([adapter]);
    klingImageFake(fake).scripts.push({ pending: 2 });
    const id = await client.klingImageSubmit({ model: 'kling-v1-5', prompt: '竹林 bamboo 🎋' });
    const status = await adapter.channel(chat).send({ text: '✅ accepted' });
    await poller.track(
      {
        kind: 'image-task',
        purpose: 'draw',
        upstreamId: imageTaskRef('kling', id),
        statusMessage: status,
        meta: { prompt: '竹林 bamboo 🎋', model: 'kling-v1-5', label: 'Kling' },
      },
      { chat, user: { id: 'u1', name: '小明' }, lang: 'en', replyTo: undefined },
    );
    for (let i = 0; i < 4; i++) await poller.tick();
    expect(adapter.messages[0]!.texts).toEqual([
      '✅ accepted',
      '🖌️ Kling · queued…',
      '🖌️ Kling · drawing…',
      '✅ Done (kling-v1-5)',
    ]);
    const photos = adapter.withFiles('image');
    expect(photos).toHaveLength(1);
    expect(photos[0]!.text).toBe('🖼️ 竹林 bamboo 🎋');
    expect(Buffer.from(photos[0]!.files[0]!.data!).subarray(1, 4).toString()).toBe('PNG');
    expect(poller.pending).toBe(0);
    expect(fake.requestsTo('GET', '/kling/v1/images/generations/*')).toHaveLength(3);
    expect(fake.unexpected).toEqual([]);
  });
});
