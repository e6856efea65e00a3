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
  // ---------- songs (Suno, Suno acts, Udio) ----------
  requestedBy: { en: '🙋 {by}', zh: '🙋 {by}' },
  requestedByPressed: { en: '🙋 {by} (via {pressed})', zh: '🙋 {by}（{pressed} 操作）' },
  lyricsCut: { en: '…', zh: '……' },
  sunoExtending: { en: '⏩ Suno · {bar} extending…', zh: '⏩ Suno · {bar} 续写中…' },
  sunoJoining: { en: '🎼 Suno · {bar} joining the full song…', zh: '🎼 Suno · {bar} 合成完整歌曲…' },
  sunoCovering: { en: '🎨 Suno · {bar} covering in a new style…', zh: '🎨 Suno · {bar} 翻唱新风格…' },
  sunoInfilling: { en: '✂️ Suno · {bar} replacing the section…', zh: '✂️ Suno · {bar} 替换片段中…' },
  sunoPersona: { en: '🗣️ Suno · {bar} singing in this voice…', zh: '🗣️ Suno · {bar} 用此嗓音演唱…' },
  sunoStems: { en: '🎚️ Suno · {bar} separating the stems…', zh: '🎚️ Suno · {bar} 分离音轨中…' },
  fullSongDone: { en: '✅ Suno · full song delivered', zh: '✅ Suno · 完整歌曲已发送' },
  stemsDone: { en: '✅ Suno · {n} stem(s) delivered', zh: '✅ Suno · 已发送 {n} 条音轨' },
  wavPending: { en: '💿 WAV · converting…', zh: '💿 WAV · 转换中…' },
  mp4Pending: { en: '🎬 Video · rendering…', zh: '🎬 视频 · 渲染中…' },
  timingPending: { en: '📝 Timed lyrics · aligning…', zh: '📝 逐句歌词 · 对齐中…' },
  wavDone: { en: '✅ WAV delivered', zh: '✅ WAV 已发送' },
  mp4Done: { en: '✅ Music video delivered', zh: '✅ 音乐视频已发送' },
  timingDone: { en: '✅ Timed lyrics delivered', zh: '✅ 逐句歌词已发送' },
  wavCaption: { en: '💿 {title} · WAV', zh: '💿 {title} · WAV' },
  mp4Caption: { en: '🎬 {title}', zh: '🎬 {title}' },
  timingCaption: { en: '📝 {title} · timed lyrics', zh: '📝 {title} · 逐句歌词' },
  timingLong: {
    en: '{n} lines, in the .lrc file (open it in a music player that shows lyrics).',
    zh: '共 {n} 行，见 .lrc 文件（可在支持歌词的播放器中打开）。',
  },
  timingNoWords: {
    en: 'the gateway aligned no lyrics to this clip (is it instrumental?)',
    zh: '网关没有为此片段对齐到歌词（是纯音乐吗？）',
  },
  actNoFile: { en: 'the gateway answered without a file', zh: '网关的回答中没有文件' },
  udioQueued: { en: '🎶 Udio · queued…', zh: '🎶 Udio · 排队中…' },
  udioGenerating: { en: '🎶 Udio · {bar} composing…', zh: '🎶 Udio · {bar} 创作中…' },
  udioDone: { en: '✅ Udio · {n} song(s) delivered', zh: '✅ Udio · 已发送 {n} 首' },
} satisfies Record<string, Localized>;

const BAR_CELLS = 10;

/** ▰▰▰▱▱▱▱▱▱▱ for 30. */
export function progressBar(percent: number): string {
  const full = Math.max(0, Math.min(BAR_CELLS, Math.round((percent / 100) * BAR_CELLS)));
  return '▰'.repeat(full) + '▱'.repeat(BAR_CELLS - full);
}
