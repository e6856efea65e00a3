import { defineCommand } from '../src/core/command.js';
import { downloadAsFile } from '../src/core/media.js';
import { SUBMITTING } from './lib/tasks.js';
import { parseVideoProgress, type VideoProgress } from './lib/video-progress.js';

const STAGES = {
  queued: { en: '🎬 Video · queued…', zh: '🎬 视频 · 排队中…' },
  generating: { en: '🎬 Video · generating {bar}', zh: '🎬 视频 · 生成中 {bar}' },
  done: { en: '✅ Video · done', zh: '✅ 视频 · 完成' },
  failed: { en: '❌ Video failed: {reason}', zh: '❌ 视频生成失败：{reason}' },
  unknown: { en: '🎬 Video · working…', zh: '🎬 视频 · 处理中…' },
};

function statusText(
  p: VideoProgress,
  t: (x: { en: string; zh: string }, v?: Record<string, string>) => string,
): string {
  if (p.stage === 'generating') return t(STAGES.generating, { bar: '▰'.repeat(Math.min(10, 1 + p.ticks)) });
  if (p.stage === 'failed') return t(STAGES.failed, { reason: p.failure ?? '' });
  return t(STAGES[p.stage]);
}

export default defineCommand({
  name: 'video',
  cost: 'task',
  description: {
    en: 'Make a short video (vidu and other video models)',
    zh: '生成短视频（vidu 等视频模型）',
  },
  options: [
    {
      name: 'prompt',
      type: 'text',
      required: true,
      maxLength: 2000,
      description: { en: 'What happens in the video', zh: '视频内容' },
    },
    {
      name: 'model',
      type: 'text',
      maxLength: 100,
      description: { en: 'Video model (default vidu-video)', zh: '视频模型（默认 vidu-video）' },
    },
  ],
  async run(ctx) {
    const { prompt, model = 'vidu-video' } = ctx.args;
    const status = await ctx.reply(ctx.t(SUBMITTING));
    // Recorded like every task, so a restart mid-video tells the user instead of forgetting them.
    const record = await ctx.tasks.track(
      {
        kind: 'video',
        purpose: 'video',
        upstreamId: `${Date.now()}-${ctx.user.id}`,
        statusMessage: status,
        meta: { prompt },
      },
      { chat: ctx.chat, user: ctx.user, lang: ctx.lang, replyTo: ctx.messageId },
    );
    await ctx.usage.add({ tasks: 1 });
    let text = '';
    let shown = '';
    let progress = parseVideoProgress('');
    try {
      for await (const event of ctx.apicore.chatStream(
        { model, messages: [{ role: 'user', content: prompt }] },
        { signal: ctx.signal },
      )) {
        if (event.type !== 'text') continue;
        text += event.text;
        progress = parseVideoProgress(text);
        const next = statusText(progress, ctx.t);
        if (next !== shown) {
          shown = next;
          await ctx.edit(status, next);
        }
      }
    } catch (error) {
      await ctx.tasks.finish(record.id, 'failed');
      throw error;
    }
    if (!progress.videoUrl) {
      await ctx.edit(status, ctx.t(STAGES.failed, { reason: progress.failure ?? text.slice(-200) }));
      await ctx.tasks.finish(record.id, 'failed');
      return;
    }
    await ctx.edit(status, ctx.t(STAGES.done));
    const file = await downloadAsFile(
      ctx.apicore,
      progress.videoUrl,
      { kind: 'video', name: 'video.mp4', mime: 'video/mp4', thumbnailUrl: progress.coverUrl },
      ctx.limits.maxUploadBytes,
      ctx.signal,
    );
    await ctx.reply(
      file ? `🎬 ${prompt}` : `🎬 ${prompt}\n${progress.videoUrl}`,
      file ? { files: [file] } : undefined,
    );
    await ctx.tasks.finish(record.id, 'done');
  },
});
