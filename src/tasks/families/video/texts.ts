import type { Localized } from '../../../core/i18n.js';

/** What video tasks tell users (kept apart from texts.ts, which other families share). */
export const VT = {
  queued: { en: '🎬 {label} · queued…', zh: '🎬 {label} · 排队中…' },
  generating: { en: '🎬 {label} · generating…', zh: '🎬 {label} · 生成中…' },
  progress: { en: '🎬 {label} · {bar} {percent}%', zh: '🎬 {label} · {bar} {percent}%' },
  done: { en: '✅ {label} · video delivered', zh: '✅ {label} · 视频已发送' },
  caption: { en: '🎬 {prompt}', zh: '🎬 {prompt}' },
  extended: { en: '⏩ {prompt}', zh: '⏩ {prompt}' },
  extend: { en: '⏩ Extend', zh: '⏩ 延长' },
  extendTitle: { en: 'Extend this video', zh: '延长这个视频' },
  extendPrompt: {
    en: 'What happens next (empty: more of the same)',
    zh: '接下来发生什么（留空：延续原内容）',
  },
} satisfies Record<string, Localized>;
