/** What a chat-format video model's answer says so far. */
export interface VideoProgress {
  stage: 'queued' | 'generating' | 'done' | 'failed' | 'unknown';
  /** Dots after 生成中, which grow while the model works. */
  ticks: number;
  videoUrl: string | undefined;
  coverUrl: string | undefined;
  failure: string | undefined;
}

const URL_IN_MARKDOWN = /\]\((https?:\/\/[^)\s]+)\)|(https?:\/\/[^\s)<>"']+)/g;

/**
 * Reads the progress lines of vidu-style video answers (`> 排队中..`, `> 生成中....`,
 * `> 生成完成 ✅`) and the final links (video by extension, cover as an image link).
 */
export function parseVideoProgress(text: string): VideoProgress {
  const p: VideoProgress = {
    stage: 'unknown',
    ticks: 0,
    videoUrl: undefined,
    coverUrl: undefined,
    failure: undefined,
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^>\s*/, '').trim();
    if (/^(排队中|queued|queuing)/i.test(line)) p.stage = 'queued';
    else if (/^(生成中|generating|processing)/i.test(line)) {
      p.stage = 'generating';
      p.ticks = (line.match(/[.。·]/g) ?? []).length;
    } else if (/^(生成完成|完成|done|completed)/i.test(line) || line.includes('✅')) p.stage = 'done';
    else if (/❌|失败|failed|error/i.test(line)) {
      p.stage = 'failed';
      p.failure = line;
    }
  }
  for (const m of text.matchAll(URL_IN_MARKDOWN)) {
    const url = m[1] ?? m[2] ?? '';
    if (/\.(mp4|mov|webm)(\?|$)/i.test(url)) p.videoUrl = url;
    else if (/\.(png|jpe?g|webp|gif)(\?|$)/i.test(url)) p.coverUrl ??= url;
  }
  return p;
}
