/** What a chat-format video model's answer says so far. */
export interface VideoProgress {
  stage: 'queued' | 'generating' | 'done' | 'failed' | 'unknown';
  /** Dots after 生成中, which grow while the model works. */
  ticks: number;
  /** The last percentage reported (sora's `> 🏃 进度 42..54..`, `progress 40%`), 0–100. */
  percent: number | undefined;
  videoUrl: string | undefined;
  coverUrl: string | undefined;
  failure: string | undefined;
}

const URL_IN_MARKDOWN = /\]\((https?:\/\/[^)\s]+)\)|(https?:\/\/[^\s)<>"']+)/g;

/**
 * Reads the progress lines of chat-format video answers: vidu/luma/runway style (`> 排队中..`,
 * `> 生成中....`, `> 生成完成 ✅`; catalogue §5.1, upstream code), sora's percentages
 * (`> 🏃 进度 42..54..`; §5.9, client code), veo's (`> 视频生成任务已创建`, `> 🎬 开始生成视频…`,
 * `> 🎉 高质量视频已生成`; §5.8, gateway: poloapi), failures (`生成失败:`), and the final links
 * (video by extension, cover as an image link).
 */
export function parseVideoProgress(text: string): VideoProgress {
  const p: VideoProgress = {
    stage: 'unknown',
    ticks: 0,
    percent: undefined,
    videoUrl: undefined,
    coverUrl: undefined,
    failure: undefined,
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^>\s*/, '').trim();
    const percents = /(?:进度|progress)[:：]?\s*([\d.\s%]+)/i.exec(line);
    if (/^(排队中|queued|queuing|视频生成任务已创建)/i.test(line)) p.stage = 'queued';
    else if (percents) {
      p.stage = 'generating';
      const numbers = percents[1]!.match(/\d+/g) ?? [];
      const last = Number(numbers[numbers.length - 1]);
      if (Number.isFinite(last)) p.percent = Math.min(100, last);
    } else if (/^(生成中|generating|processing|🎬\s*开始生成)/i.test(line)) {
      p.stage = 'generating';
      p.ticks = (line.match(/[.。·]/g) ?? []).length;
    } else if (/^(生成完成|完成|done|completed)/i.test(line) || /[✅🎉]/u.test(line)) p.stage = 'done';
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
