import type { MjButton, MjStatus, MjTask, SunoClip, SunoStatus, SunoTask } from '../core/apicore.js';

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' ? (v as Record<string, unknown>) : {};

/** "45%" → 45; anything unreadable → 0. */
export function parsePercent(v: unknown): number {
  const n = typeof v === 'number' ? v : Number.parseFloat(str(v));
  return Number.isFinite(n) ? Math.max(0, Math.min(100, n)) : 0;
}

/** A Midjourney task object as the gateway returns it → MjTask (missing keys read as empty). */
export function toMjTask(raw: unknown): MjTask {
  const t = obj(raw);
  const props = obj(t.properties);
  const buttons = Array.isArray(t.buttons) ? t.buttons.map(obj) : [];
  return {
    id: str(t.id),
    action: str(t.action),
    prompt: str(t.prompt),
    promptEn: str(t.promptEn),
    description: str(t.description),
    status: str(t.status) as MjStatus,
    progress: parsePercent(t.progress),
    imageUrl: str(t.imageUrl),
    videoUrl: str(t.videoUrl),
    failReason: str(t.failReason),
    buttons: buttons.map(
      (b): MjButton => ({
        customId: str(b.customId),
        emoji: str(b.emoji),
        label: str(b.label),
        type: Number(b.type) || 0,
        style: Number(b.style) || 0,
      }),
    ),
    finalPrompt: str(props.finalPrompt),
    submitTime: Number(t.submitTime) || 0,
    finishTime: Number(t.finishTime) || 0,
  };
}

function toClip(raw: unknown): SunoClip {
  const c = obj(raw);
  const meta = obj(c.metadata);
  const duration = Number(meta.duration);
  return {
    id: str(c.id),
    title: str(c.title),
    status: str(c.status),
    audioUrl: str(c.audio_url),
    videoUrl: str(c.video_url),
    imageUrl: str(c.image_large_url) || str(c.image_url),
    tags: str(meta.tags),
    lyrics: str(meta.prompt),
    durationSeconds: meta.duration === null || !Number.isFinite(duration) ? undefined : duration,
    errorMessage: str(meta.error_message),
  };
}

/** A Suno TaskDto → SunoTask: MUSIC data is a clip array, LYRICS data one object, or null early on. */
export function toSunoTask(raw: unknown): SunoTask {
  const t = obj(raw);
  const data = t.data;
  const lyricsData = data && !Array.isArray(data) && typeof data === 'object' ? obj(data) : undefined;
  return {
    id: str(t.task_id) || str(t.id),
    action: str(t.action),
    status: str(t.status) as SunoStatus,
    failReason: str(t.fail_reason),
    clips: Array.isArray(data) ? data.map(toClip) : [],
    lyrics: lyricsData ? { title: str(lyricsData.title), text: str(lyricsData.text) } : undefined,
  };
}
