import type { Localized } from '../core/i18n.js';

/** Everything the task system tells users. */
export const T = {
  mjQueued: { en: '🎨 Midjourney · queued…', zh: '🎨 Midjourney · 排队中…' },
  mjProgress: { en: '🎨 Midjourney · {bar} {percent}%', zh: '🎨 Midjourney · {bar} {percent}%' },
  mjDone: { en: '✅ Midjourney · done', zh: '✅ Midjourney · 完成' },
  sunoQueued: { en: '🎵 Suno · queued…', zh: '🎵 Suno · 排队中…' },
  sunoGenerating: { en: '🎵 Suno · ▰▰▰▱▱▱▱▱▱▱ composing…', zh: '🎵 Suno · ▰▰▰▱▱▱▱▱▱▱ 创作中…' },
  sunoStreaming: {
    en: '🎵 Suno · ▰▰▰▰▰▰▰▱▱▱ {n} clip(s) recording…',
    zh: '🎵 Suno · ▰▰▰▰▰▰▰▱▱▱ {n} 首录制中…',
  },
  sunoDone: { en: '✅ Suno · {n} clip(s) delivered', zh: '✅ Suno · 已发送 {n} 首' },
  lyricsDone: { en: '✅ Lyrics ready', zh: '✅ 歌词已生成' },
  failed: { en: '❌ The task failed: {reason}', zh: '❌ 任务失败：{reason}' },
  failedUnknown: { en: 'no reason given', zh: '未提供原因' },
  expired: {
    en: '⌛ Gave up waiting after {minutes} minutes. The gateway refunds failed tasks; please try again.',
    zh: '⌛ 等待 {minutes} 分钟后放弃。失败的任务会由网关退款，请重试。',
  },
  lost: {
    en: '❌ The gateway no longer knows this task ({id}). Please try again.',
    zh: '❌ 网关找不到此任务（{id}），请重试。',
  },
  interrupted: {
    en: '❌ The bot restarted while this video was generating; please send it again.',
    zh: '❌ 视频生成期间机器人重启了，请重新发送。',
  },
  maybeDelivered: {
    en: 'If a result is missing above, here is its link: {url}',
    zh: '如果上方缺少结果，这是链接：{url}',
  },
  someLinked: {
    en: '🔗 {n} result(s) could not be sent as files; their links are above.',
    zh: '🔗 {n} 个结果无法以文件发送，链接见上方。',
  },
  someMissing: {
    en: '⚠️ {n} result(s) could not be sent to this chat.',
    zh: '⚠️ {n} 个结果无法发送到此聊天。',
  },
  describeTitle: { en: '🖼️ Four prompts for this image:', zh: '🖼️ 这张图片的四个提示词：' },
  describeButton: { en: '🎨 Imagine {n}', zh: '🎨 生成 {n}' },
  tooLargeLink: { en: '{name} is too large to upload here: {url}', zh: '{name} 太大，无法上传：{url}' },
  audioCaption: { en: '🎵 {title}', zh: '🎵 {title}' },
} satisfies Record<string, Localized>;

const BAR_CELLS = 10;

/** ▰▰▰▱▱▱▱▱▱▱ for 30. */
export function progressBar(percent: number): string {
  const full = Math.max(0, Math.min(BAR_CELLS, Math.round((percent / 100) * BAR_CELLS)));
  return '▰'.repeat(full) + '▱'.repeat(BAR_CELLS - full);
}
