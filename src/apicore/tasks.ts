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
  // `videoUrls: [{url}]` (new-api); a plain string list is read too.
  const videoUrls = (Array.isArray(t.videoUrls) ? t.videoUrls : [])
    .map((v) => (typeof v === 'string' ? v : str(obj(v).url)))
    .filter(Boolean);
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
    ...(videoUrls.length > 0 ? { videoUrls } : {}),
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

export function toClip(raw: unknown): SunoClip {
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
    model: str(c.model_name) || str(c.mv) || str(meta.mv),
    type: str(meta.type),
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

const UDIO_STATUS: Record<string, SunoStatus> = {
  not_start: 'NOT_START',
  submitted: 'SUBMITTED',
  queued: 'QUEUED',
  pending: 'QUEUED',
  in_progress: 'IN_PROGRESS',
  processing: 'IN_PROGRESS',
  running: 'IN_PROGRESS',
  streaming: 'IN_PROGRESS',
  success: 'SUCCESS',
  succeeded: 'SUCCESS',
  complete: 'SUCCESS',
  completed: 'SUCCESS',
  failure: 'FAILURE',
  failed: 'FAILURE',
  error: 'FAILURE',
  unknown: 'UNKNOWN',
};

/** One Udio `songs[]` entry → a clip (song_path → audio, image_path → cover, video_path → video). */
function toUdioClip(raw: unknown, model: string): SunoClip {
  const s = obj(raw);
  const duration = Number(s.duration);
  const failed = str(s.error_code) !== '' || str(s.error_type) !== '';
  const tags = Array.isArray(s.tags) ? s.tags.map(str).filter(Boolean).join(', ') : str(s.tags);
  return {
    id: str(s.id),
    title: str(s.title),
    status: failed ? 'error' : s.finished === true ? 'complete' : 'streaming',
    audioUrl: str(s.song_path),
    videoUrl: str(s.video_path),
    imageUrl: str(s.image_path),
    tags,
    lyrics: str(s.lyrics),
    durationSeconds: s.duration == null || !Number.isFinite(duration) || duration <= 0 ? undefined : duration,
    errorMessage: str(s.error_detail) || str(s.error_type),
    model: str(s.model_type) || model,
    type: 'udio',
  };
}

/**
 * An Udio task (`GET /udio/fetch/{id}` → data) in the Suno task shape. Its status is the new-api
 * task status (upper case) on the documented relay; lower-case words seen elsewhere are mapped too.
 */
export function toUdioTask(raw: unknown): SunoTask {
  const t = obj(raw);
  const status = UDIO_STATUS[str(t.status).toLowerCase()] ?? (str(t.status) as SunoStatus);
  const songs = Array.isArray(t.songs) ? t.songs : Array.isArray(t.data) ? t.data : [];
  const model = str(obj(t.properties).model_type) || 'udio';
  return {
    id: str(t.task_id) || str(t.id),
    action: str(t.action) || 'udio-generate',
    status,
    failReason: str(t.fail_reason),
    clips: songs.map((s) => toUdioClip(s, model)),
    lyrics: undefined,
  };
}
