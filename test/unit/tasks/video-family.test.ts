import { describe, expect, it } from 'vitest';
import { parseVideoProgress } from '../../../commands/lib/video-progress.js';
import { inlineVideoOptions, resolveVideoRequest } from '../../../commands/video/models.js';
import type { TaskRecord } from '../../../src/core/tasks.js';
import {
  closestVideoModels,
  parseVideoTaskRef,
  VIDEO_ROUTES,
  videoModelIds,
  videoRoute,
} from '../../../src/core/video-models.js';
import { FAMILIES } from '../../../src/tasks/families/index.js';
import { videoTasks, videoView } from '../../../src/tasks/families/video/index.js';

function record(
  upstreamId: string,
  lang: 'en' | 'zh' = 'en',
  purpose: TaskRecord['purpose'] = 'video',
): TaskRecord {
  return {
    id: `video-task:${upstreamId}`,
    kind: 'video-task',
    purpose,
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
    meta: { prompt: '猫 a cat 🐱', model: 'kling-v1-6' },
  } as TaskRecord;
}

describe('the routing table', () => {
  it('sends each documented model to its family', () => {
    const cases: Record<string, string> = {
      'vidu-1': 'vidu',
      'vidu-stable': 'vidu',
      'vidu-video': 'chat',
      'kling-v1-6': 'kling',
      'KLING-V2-MASTER': 'kling',
      luma: 'luma',
      'ray-v2': 'luma',
      gen4_turbo: 'runway',
      gen3a_turbo: 'runway',
      'runway-gen4': 'runway-pro',
      'veo3-fast': 'veo',
      'veo3-pro-frames': 'veo',
      'jimeng-video': 'jimeng',
      'pika-1.5': 'pika',
      'sora-2': 'chat',
    };
    for (const [model, family] of Object.entries(cases))
      expect(videoRoute(model)?.family, model).toBe(family);
    expect(videoRoute('gpt-4o')).toBeUndefined();
  });

  it('every offered id routes to the entry that offers it; every task family is polled by one kind', () => {
    for (const r of VIDEO_ROUTES) for (const id of r.models) expect(videoRoute(id), id).toBe(r);
    expect(FAMILIES.filter((f) => f.kind === 'video-task')).toEqual([videoTasks]);
  });

  it('references carry the family; a chat route or unknown family is no reference', () => {
    expect(parseVideoTaskRef('kling:text2video:123')).toEqual({ family: 'kling', path: 'text2video:123' });
    expect(parseVideoTaskRef('chat:1')).toBeUndefined();
    expect(parseVideoTaskRef('nope')).toBeUndefined();
  });

  it('closest names for a typo', () => {
    expect(closestVideoModels('kling1.6', videoModelIds())).toContain('kling-v1-6');
    expect(closestVideoModels('veo', videoModelIds())[0]).toMatch(/^veo/);
  });

  it('refuses bad input before paying, in both languages', () => {
    expect(() => resolveVideoRequest('gen4_turbo', 'x', false)).toThrow(/from an image/);
    expect(() => resolveVideoRequest('nope-model', 'x', false)).toThrow(/Unknown video model “nope-model”/);
    expect(() => resolveVideoRequest('jimeng-video', '🎋'.repeat(151), false)).toThrow(/at most 150/);
    expect(resolveVideoRequest('jimeng-video', '🎋'.repeat(150), false).family).toBe('jimeng');
    expect(resolveVideoRequest('kling-v1', 'x', true)).toMatchObject({ family: 'kling', model: 'kling-v1' });
    expect(() => resolveVideoRequest('kling-v1', ' ', false)).toThrow(/Describe the video/);
    expect(resolveVideoRequest('gen4_turbo', '', true).family).toBe('runway');
  });

  it('reads options typed into the prompt', () => {
    expect(inlineVideoOptions('model:ray-v2 夜城 city --ar 9:16')).toEqual({
      prompt: '夜城 city',
      model: 'ray-v2',
      ratio: '9:16',
    });
    expect(inlineVideoOptions('kling-v1 a dog 🐶')).toEqual({ prompt: 'a dog 🐶', model: 'kling-v1' });
    expect(inlineVideoOptions('video of a cat')).toEqual({ prompt: 'video of a cat' });
  });
});

describe('the video family reads a task against its record', () => {
  it('queued, generating, a percentage, in the record’s language', () => {
    const en = record('luma:g1');
    const zh = record('luma:g1', 'zh');
    expect(videoView(en, { state: 'queued' })).toEqual({ state: 'running', status: '🎬 Luma · queued…' });
    expect(videoView(zh, { state: 'queued' })).toEqual({ state: 'running', status: '🎬 Luma · 排队中…' });
    expect(videoView(zh, { state: 'running' })).toEqual({ state: 'running', status: '🎬 Luma · 生成中…' });
    expect(videoView(en, { state: 'running', progress: 40 })).toEqual({
      state: 'running',
      status: '🎬 Luma · ▰▰▰▰▱▱▱▱▱▱ 40%',
    });
  });

  it('success is one video part; Extend only where the family extends and the result says how', () => {
    const kling = videoView(record('kling:text2video:1'), {
      state: 'success',
      videoUrl: 'https://cdn/v.mp4',
      coverUrl: 'https://cdn/c.png',
      extendId: 'kv-1',
    });
    expect(kling).toMatchObject({
      state: 'success',
      parts: [
        {
          id: 'video',
          text: '🎬 猫 a cat 🐱',
          file: {
            url: 'https://cdn/v.mp4',
            kind: 'video',
            name: 'kling-video.mp4',
            thumbnailUrl: 'https://cdn/c.png',
          },
          buttons: [[{ label: '⏩ Extend', command: 'video-extend', args: { family: 'kling', of: 'kv-1' } }]],
        },
      ],
    });
    const pika = videoView(record('pika:p1', 'zh'), { state: 'success', videoUrl: 'https://cdn/p.mp4' });
    expect(pika.state === 'success' && pika.parts[0]!.buttons).toBeFalsy();
    const ext = videoView(record('kling:video-extend:2', 'zh', 'extend'), {
      state: 'success',
      videoUrl: 'https://cdn/e.mp4',
      extendId: 'kv-2',
    });
    expect(ext.state === 'success' && ext.parts[0]!.text).toBe('⏩ 猫 a cat 🐱');
    expect(ext.state === 'success' && ext.parts[0]!.buttons?.[0]?.[0]?.label).toBe('⏩ 延长');
  });

  it('a failure (or a success without a video) carries the reason', () => {
    expect(videoView(record('veo:1'), { state: 'failure', reason: '审核 policy' })).toEqual({
      state: 'failure',
      reason: '审核 policy',
    });
    expect(videoView(record('veo:1'), { state: 'success' })).toMatchObject({ state: 'failure' });
  });

  it('doneText names the family', () => {
    expect(videoTasks.doneText(record('runway:r'), 1)).toBe('✅ Runway · video delivered');
    expect(videoTasks.doneText(record('jimeng:j', 'zh'), 1)).toBe('✅ Jimeng · 视频已发送');
  });
});

describe('chat-format progress', () => {
  it('vidu wording, sora percentages, veo markers, failures', () => {
    expect(parseVideoProgress('> 排队中..\n> 生成中....\n').stage).toBe('generating');
    const sora = parseVideoProgress('> 排队中…\n> 🏃 进度 42..54..\n');
    expect(sora).toMatchObject({ stage: 'generating', percent: 54 });
    const veo = parseVideoProgress('> 视频生成任务已创建\n> 🎬 开始生成视频…\n');
    expect(veo.stage).toBe('generating');
    const done = parseVideoProgress(
      '> 🎉 高质量视频已生成\n[▶️ 在线观看](https://x/v.mp4) | [⏬ 下载视频](https://x/download/v.mp4)',
    );
    expect(done).toMatchObject({ stage: 'done', videoUrl: 'https://x/download/v.mp4' });
    expect(parseVideoProgress('> 生成失败: ```json\n{"reason":"x"}\n```').stage).toBe('failed');
  });
});
