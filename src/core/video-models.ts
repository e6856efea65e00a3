/**
 * Video models as data: which upstream family a model id goes to, over which endpoint, and what it
 * can take. `/video`, its autocomplete and the client all read this one table, so a new family is
 * one entry here and one client module in src/apicore/video/. Sources: catalogue §0 and §5.
 */

/** Families submitted as tasks and polled (catalogue §0). */
export type VideoTaskFamily = 'vidu' | 'kling' | 'luma' | 'runway' | 'runway-pro' | 'veo' | 'jimeng' | 'pika';

export interface VideoRoute {
  /** Matches the model id a user types (case-insensitive). */
  pattern: RegExp;
  /** `chat`: streamed through /v1/chat/completions and parsed; otherwise the task family. */
  family: VideoTaskFamily | 'chat';
  /** Shown in progress lines and help. */
  label: string;
  /** The submit endpoint (documentation; the client module owns the call). */
  endpoint: string;
  /** Model ids offered by autocomplete (the first is the family's default). */
  models: readonly string[];
  /** Whether a prompt alone makes a video. */
  textToVideo: boolean;
  /** Whether a first-frame / reference image is accepted. */
  imageToVideo: boolean;
  /** Whether a finished video can be continued (an Extend button). */
  extend: boolean;
  /** The gateway's prompt limit in characters, checked before anything is paid. */
  maxPromptChars?: number;
  /** Aspect ratios the family takes (the first is the default). */
  ratios: readonly string[];
}

/** In match order: the first route whose pattern matches a model id wins. */
export const VIDEO_ROUTES: readonly VideoRoute[] = [
  {
    // vidu task format (catalogue §5.1; gateway: gpt-best, upstream code); settings.model vidu-1 | stable.
    pattern: /^vidu-(1|stable)$/i,
    family: 'vidu',
    label: 'Vidu',
    endpoint: 'POST /vidu/v1/tasks',
    models: ['vidu-1', 'vidu-stable'],
    textToVideo: true,
    imageToVideo: true,
    extend: false,
    ratios: ['16:9', '9:16', '1:1'],
  },
  {
    // Kling official format (catalogue §5.4; gateway: aimanyi, apiai, CometAPI).
    pattern: /^kling-v\d/i,
    family: 'kling',
    label: 'Kling',
    endpoint: 'POST /kling/v1/videos/{text2video|image2video}',
    models: ['kling-v1-6', 'kling-v1-5', 'kling-v1', 'kling-v2-master'],
    textToVideo: true,
    imageToVideo: true,
    extend: true,
    maxPromptChars: 500,
    ratios: ['16:9', '9:16', '1:1'],
  },
  {
    // Luma (catalogue §5.2; gateway: apiai, yutoai, gpt-best); `luma` sends no model_name.
    pattern: /^(luma|ray-v\d)/i,
    family: 'luma',
    label: 'Luma',
    endpoint: 'POST /luma/generations',
    models: ['luma', 'ray-v2', 'ray-v1'],
    textToVideo: true,
    imageToVideo: true,
    extend: true,
    ratios: ['16:9', '9:16', '1:1'],
  },
  {
    // Runway official (catalogue §5.3; gateway: crazyrouter, CometAPI): image to video only.
    pattern: /^gen(3a|4)_turbo$/i,
    family: 'runway',
    label: 'Runway',
    endpoint: 'POST /runwayml/v1/image_to_video',
    models: ['gen4_turbo', 'gen3a_turbo'],
    textToVideo: false,
    imageToVideo: true,
    extend: false,
    maxPromptChars: 1000,
    ratios: ['16:9', '9:16', '1:1'],
  },
  {
    // Runway "reverse" (catalogue §5.3; gateway: CometAPI): text or image to video.
    pattern: /^runway-gen/i,
    family: 'runway-pro',
    label: 'Runway',
    endpoint: 'POST /runway/pro/generate',
    models: ['runway-gen4', 'runway-gen3'],
    textToVideo: true,
    imageToVideo: true,
    extend: false,
    ratios: ['16:9', '9:16', '1:1'],
  },
  {
    // Veo task form used against api.apicore.ai (catalogue §5.8; client code).
    pattern: /^veo[23]/i,
    family: 'veo',
    label: 'Veo',
    endpoint: 'POST /v1/video/generations',
    models: ['veo3-fast', 'veo3', 'veo3-pro', 'veo3-fast-frames', 'veo3-pro-frames', 'veo2'],
    textToVideo: true,
    imageToVideo: true,
    extend: false,
    ratios: ['16:9', '9:16'],
  },
  {
    // Jimeng video (catalogue §5.7; gateway: V-API).
    pattern: /^jimeng/i,
    family: 'jimeng',
    label: 'Jimeng',
    endpoint: 'POST /task/jimeng/{text2video|image2video}',
    models: ['jimeng-video'],
    textToVideo: true,
    imageToVideo: true,
    extend: false,
    maxPromptChars: 150,
    ratios: ['16:9', '9:16', '1:1', '4:3', '3:4', '21:9'],
  },
  {
    // Pika (catalogue §5.5; gateway: gpt-best, openai-hk): model "1.5" | "2.0".
    pattern: /^pika/i,
    family: 'pika',
    label: 'Pika',
    endpoint: 'POST /pika/generate',
    models: ['pika-2.0', 'pika-1.5'],
    textToVideo: true,
    imageToVideo: true,
    extend: false,
    ratios: ['16:9', '9:16', '1:1'],
  },
  {
    // Chat-format video models: vidu chat (apicore), sora at sisters (catalogue §5.9), anything
    // else named like a video model; the answer streams and its markdown is parsed.
    pattern: /^(vidu|sora|.*video)/i,
    family: 'chat',
    label: 'Video',
    endpoint: 'POST /v1/chat/completions',
    models: ['vidu-video', 'sora-2'],
    textToVideo: true,
    imageToVideo: true,
    extend: false,
    ratios: ['16:9'],
  },
];

/** The default `/video` model: vidu through chat, as before. */
export const DEFAULT_VIDEO_MODEL = 'vidu-video';

/** The route for a model id, or undefined when no family takes it. */
export function videoRoute(model: string): VideoRoute | undefined {
  return VIDEO_ROUTES.find((r) => r.pattern.test(model.trim()));
}

/** Every model id the table offers, in table order. */
export function videoModelIds(): string[] {
  return VIDEO_ROUTES.flatMap((r) => [...r.models]);
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = keep;
    }
  }
  return row[b.length]!;
}

/** The `n` known ids closest to `typed` (for an unknown model's error line). */
export function closestVideoModels(typed: string, known: readonly string[], n = 3): string[] {
  const q = typed.toLowerCase();
  return [...new Set(known)]
    .map((id) => ({ id, d: id.toLowerCase().includes(q) ? 0 : distance(q, id.toLowerCase()) }))
    .sort((a, b) => a.d - b.d || a.id.localeCompare(b.id))
    .slice(0, n)
    .map((x) => x.id);
}

// ---------- what the client takes and gives ----------

/** One submit to a task family. */
export interface VideoSubmit {
  family: VideoTaskFamily;
  /** The model id the user chose (the client maps it to the family's wire name). */
  model: string;
  prompt: string;
  /** First frame / reference image: a data URL or an https URL. */
  image?: string | undefined;
  /** '16:9', '9:16', … (the family's first ratio when absent). */
  ratio?: string | undefined;
  /** Continue a finished video: the `extendId` of its result. */
  extendOf?: string | undefined;
}

/** A task family's answer, normalised. */
export interface VideoTask {
  state: 'queued' | 'running' | 'success' | 'failure';
  /** 0–100 when the family reports it. */
  progress?: number | undefined;
  videoUrl?: string | undefined;
  coverUrl?: string | undefined;
  reason?: string | undefined;
  /** What an extend of this result needs (a Luma generation id, a Kling video id). */
  extendId?: string | undefined;
}

/**
 * A submitted task's reference, as the poller keeps it: `${family}:${path}` where the client
 * module decides `path` (e.g. `kling:text2video:<task id>`, `luma:<generation id>`).
 */
export function videoTaskRef(family: VideoTaskFamily, path: string): string {
  return `${family}:${path}`;
}

/** Reads a reference back; undefined when it names no family. */
export function parseVideoTaskRef(ref: string): { family: VideoTaskFamily; path: string } | undefined {
  const at = ref.indexOf(':');
  const name = ref.slice(0, at);
  const route = VIDEO_ROUTES.find((r) => r.family === name);
  if (at < 1 || !route || route.family === 'chat') return undefined;
  return { family: route.family, path: ref.slice(at + 1) };
}
