import type { CommandContext } from '../../src/core/command.js';
import type { Localized } from '../../src/core/i18n.js';
import { downloadAsFile } from '../../src/core/media.js';
import { SUBMITTING } from '../lib/tasks.js';
import { parseVideoProgress, type VideoProgress } from '../lib/video-progress.js';

const STAGES = {
  queued: { en: '🎬 Video · queued…', zh: '🎬 视频 · 排队中…' },
  generating: { en: '🎬 Video · generating {bar}', zh: '🎬 视频 · 生成中 {bar}' },
  percent: { en: '🎬 Video · generating {bar} {percent}%', zh: '🎬 视频 · 生成中 {bar} {percent}%' },
  done: { en: '✅ Video · done', zh: '✅ 视频 · 完成' },
  failed: { en: '❌ Video failed: {reason}', zh: '❌ 视频生成失败：{reason}' },
  unknown: { en: '🎬 Video · working…', zh: '🎬 视频 · 处理中…' },
} satisfies Record<string, Localized>;

function statusText(p: VideoProgress, t: CommandContext<unknown>['t']): string {
  if (p.stage === 'generating' && p.percent !== undefined)
    return t(STAGES.percent, {
      bar: '▰'.repeat(Math.max(1, Math.round(p.percent / 10))),
      percent: p.percent,
    });
  if (p.stage === 'generating') return t(STAGES.generating, { bar: '▰'.repeat(Math.min(10, 1 + p.ticks)) });
  if (p.stage === 'failed') return t(STAGES.failed, { reason: p.failure ?? '' });
  return t(STAGES[p.stage]);
}

/**
 * A chat-format video model (vidu chat, sora, …): the answer streams through chat completions and
 * its markdown says how far it is (commands/lib/video-progress.ts); progress is edited into one
 * status message. Recorded like every task (kind `video`, owned by this process), so a restart
 * mid-video tells the user instead of forgetting them; a stream cannot be resumed elsewhere.
 */
export async function streamVideo(
  ctx: CommandContext<unknown>,
  req: { model: string; prompt: string; image: string | undefined },
): Promise<void> {
  const { model, prompt, image } = req;
  const status = await ctx.reply(ctx.t(SUBMITTING));
  const record = await ctx.tasks.track(
    {
      kind: 'video',
      purpose: 'video',
      upstreamId: `${Date.now()}-${ctx.user.id}`,
      statusMessage: status,
      meta: { prompt, model },
    },
    { chat: ctx.chat, user: ctx.user, lang: ctx.lang, replyTo: ctx.messageId },
  );
  await ctx.usage.add({ tasks: 1 });
  const content = image
    ? [
        { type: 'text' as const, text: prompt },
        { type: 'image_url' as const, image_url: { url: image } },
      ]
    : prompt;
  let text = '';
  let shown = '';
  let progress = parseVideoProgress('');
  try {
    for await (const event of ctx.apicore.chatStream(
      { model, messages: [{ role: 'user', content }] },
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
}
