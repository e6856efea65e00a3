import type { SunoMusic } from '../../src/core/apicore.js';
import { type CommandContext, defineCommand } from '../../src/core/command.js';
import type { IncomingFile } from '../../src/core/platform.js';
import { DEFAULT_SUNO_MODEL, type SongModel, SUNO_MODELS, UDIO_MODELS } from '../../src/core/songs.js';
import type { TaskRecord } from '../../src/core/tasks.js';
import { startTask } from '../lib/tasks.js';
import { estimateSeconds } from './audio.js';
import { isUdio } from './buttons.js';
import { inputError } from './common.js';

/** How long an uploaded voice note stays fetchable at PUBLIC_BASE_URL/files/…: the gateway fetches it at once. */
export const UPLOAD_LINK_TTL_MS = 15 * 60_000;
/** The largest audio file taken (Telegram lets a bot download 20 MB). */
export const UPLOAD_MAX_BYTES = 20 * 1024 * 1024;
/** An upload is extended from this long before its end… */
const UPLOAD_END_MARGIN_S = 0.5;
/** …or from here when its length cannot be read from the bytes. */
const UPLOAD_EXTEND_FALLBACK_S = 5;

export interface SongRequest {
  prompt: string;
  tags?: string | undefined;
  title?: string | undefined;
  instrumental?: boolean | undefined;
  lyrics?: string | undefined;
  /** A Suno `mv` or an Udio model (SUNO_MODELS, UDIO_MODELS); default SUNO_MODEL. */
  model?: string | undefined;
  /** Your own audio: uploaded, then covered (tags given) or extended. */
  audio?: IncomingFile | undefined;
}

const MODEL_LABELS: Record<SongModel, string> = {
  'chirp-v3-5': 'Suno v3.5',
  'chirp-v4': 'Suno v4',
  'chirp-auk': 'Suno v4.5 (chirp-auk)',
  'chirp-bluejay': 'Suno v4.5+ (chirp-bluejay)',
  'chirp-crow': 'Suno v5 (chirp-crow)',
  'udio32-v1.5': 'Udio 32 v1.5',
  'udio130-v1.5': 'Udio 130 v1.5 (longer, 2×)',
};

const NO_PUBLIC_URL = {
  en: '🎙️ To make a song from your audio, the bot must serve it to the gateway: the owner sets PUBLIC_BASE_URL (this bot’s public address) and HEALTH_PORT.',
  zh: '🎙️ 要用你的音频做歌，机器人需要把它提供给网关：请管理员设置 PUBLIC_BASE_URL（机器人的公网地址）和 HEALTH_PORT。',
};
const NOT_AUDIO = {
  en: '🎙️ “{name}” is not audio: send a voice note or an audio file (mp3, m4a, wav, ogg).',
  zh: '🎙️ “{name}” 不是音频：请发送语音或音频文件（mp3、m4a、wav、ogg）。',
};
const TOO_BIG = {
  en: '🎙️ “{name}” is too large ({mb} MB): at most {max} MB.',
  zh: '🎙️ “{name}” 太大（{mb} MB）：最多 {max} MB。',
};
const UDIO_NO_AUDIO = {
  en: '🎙️ Your own audio works with the Suno models only; pick one of chirp-… (or leave the model empty).',
  zh: '🎙️ 上传音频只支持 Suno 模型；请选择 chirp-… 模型（或不选模型）。',
};

const mb = (bytes: number) => (Math.round((bytes / 1024 / 1024) * 10) / 10).toString();

/** Refuses audio the gateway could not take before anything is charged; undefined when fine. */
function checkAudio(ctx: CommandContext<unknown>, audio: IncomingFile): void {
  const isAudio = audio.kind === 'audio' || (audio.mime ?? '').startsWith('audio/');
  if (!isAudio) throw inputError(NOT_AUDIO, { name: audio.name });
  if (audio.size !== undefined && audio.size > UPLOAD_MAX_BYTES)
    throw inputError(TOO_BIG, { name: audio.name, mb: mb(audio.size), max: mb(UPLOAD_MAX_BYTES) });
  if (!audio.publicUrl && !ctx.publicFiles) throw inputError(NO_PUBLIC_URL);
}

/**
 * A link the gateway can fetch the audio from, and about how long it plays: the platform's own
 * public link (Discord), else the bytes served by the bot for 15 minutes (a Telegram file link
 * carries the bot token: it is never sent).
 */
async function audioLink(
  ctx: CommandContext<unknown>,
  audio: IncomingFile,
  needLength: boolean,
): Promise<{ url: string; seconds: number | undefined }> {
  if (audio.publicUrl && !needLength) return { url: audio.publicUrl, seconds: undefined };
  const bytes = await audio.fetch(UPLOAD_MAX_BYTES);
  const seconds = estimateSeconds(bytes);
  if (audio.publicUrl) return { url: audio.publicUrl, seconds };
  if (!ctx.publicFiles) throw inputError(NO_PUBLIC_URL);
  const url = await ctx.publicFiles.publish(bytes, {
    mime: audio.mime ?? 'audio/mpeg',
    name: audio.name,
    ttlMs: UPLOAD_LINK_TTL_MS,
  });
  return { url, seconds };
}

/** Where an upload is extended from: a moment before its end, so the point is surely inside it. */
function extendPoint(seconds: number | undefined): number {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return UPLOAD_EXTEND_FALLBACK_S;
  return Math.max(0.1, Math.floor(seconds * 10) / 10 - UPLOAD_END_MARGIN_S);
}

/**
 * Submits a song and tracks it; shared by /song and the chat's song tool. Suno (SUNO_MODEL unless
 * a model is picked) or Udio; with your own audio, it is uploaded first and then covered (when
 * tags give the new style) or extended. Each takes one of the group's songs for today.
 */
export async function submitSong(
  ctx: CommandContext<unknown>,
  song: SongRequest,
): Promise<TaskRecord | undefined> {
  const model: string = song.model ?? ctx.songs?.defaultModel ?? DEFAULT_SUNO_MODEL;
  const meta = {
    prompt: song.prompt,
    by: ctx.user.name,
    mv: model,
    ...(song.title ? { title: song.title } : {}),
    ...(song.tags ? { tags: song.tags } : {}),
  };
  if (isUdio(model)) {
    if (song.audio) throw inputError(UDIO_NO_AUDIO);
    const described = song.tags ? `${song.prompt}, ${song.tags}` : song.prompt;
    return startTask(ctx, {
      kind: 'udio',
      purpose: 'song',
      song: true,
      meta,
      submit: () =>
        ctx.apicore.udioMusic(
          {
            prompt: described,
            ...(song.lyrics ? { lyrics: song.lyrics } : {}),
            lyrics_type: song.instrumental ? 'instrumental' : song.lyrics ? 'user' : 'generate',
            model_type: model,
          },
          { signal: ctx.signal },
        ),
    });
  }
  const audio = song.audio;
  if (audio) {
    checkAudio(ctx, audio);
    const cover = song.tags !== undefined && song.tags !== '';
    return startTask(ctx, {
      kind: 'suno',
      purpose: cover ? 'cover' : 'upload',
      song: true,
      meta: { ...meta, upload: audio.name },
      submit: async () => {
        const link = await audioLink(ctx, audio, !cover);
        const uploaded = await ctx.apicore.sunoUploadUrl(link.url, { signal: ctx.signal });
        const body: SunoMusic = cover
          ? {
              task: 'cover',
              cover_clip_id: uploaded,
              tags: song.tags ?? '',
              ...(song.lyrics ? { prompt: song.lyrics } : {}),
              generation_type: 'TEXT',
            }
          : {
              task: 'upload_extend',
              continue_clip_id: uploaded,
              continue_at: extendPoint(link.seconds),
              prompt: song.lyrics ?? '',
              tags: song.prompt,
            };
        return ctx.apicore.sunoMusic(
          {
            ...body,
            title: song.title ?? song.prompt.slice(0, 80),
            mv: model,
            ...(song.instrumental ? { make_instrumental: true } : {}),
          },
          { signal: ctx.signal },
        );
      },
    });
  }
  // With lyrics Suno runs in custom mode (prompt = lyrics); otherwise it writes them from the description.
  const body: SunoMusic = song.lyrics
    ? { prompt: song.lyrics, tags: song.tags ?? song.prompt, title: song.title ?? '' }
    : {
        gpt_description_prompt: song.prompt,
        ...(song.tags ? { tags: song.tags } : {}),
        ...(song.title ? { title: song.title } : {}),
      };
  body.mv = model;
  if (song.instrumental) body.make_instrumental = true;
  return startTask(ctx, {
    kind: 'suno',
    purpose: 'song',
    song: true,
    meta,
    submit: () => ctx.apicore.sunoMusic(body, { signal: ctx.signal }),
  });
}

export default defineCommand({
  name: 'song',
  cost: 'task',
  description: { en: 'Write and sing a song with Suno', zh: '用 Suno 创作并演唱一首歌' },
  options: [
    {
      name: 'prompt',
      type: 'text',
      required: true,
      maxLength: 3000,
      description: { en: 'What the song is about', zh: '歌曲的主题' },
    },
    {
      name: 'model',
      type: 'choice',
      description: { en: 'Model (default chirp-auk, v4.5)', zh: '模型（默认 chirp-auk，v4.5）' },
      choices: [...SUNO_MODELS, ...UDIO_MODELS].map((value) => ({
        value,
        label: { en: MODEL_LABELS[value], zh: MODEL_LABELS[value] },
      })),
    },
    { name: 'instrumental', type: 'boolean', description: { en: 'No vocals', zh: '纯音乐' } },
    {
      name: 'tags',
      type: 'text',
      maxLength: 1000,
      description: { en: 'Style, e.g. jazz, female vocal', zh: '风格，例如 爵士、女声' },
    },
    { name: 'title', type: 'text', maxLength: 80, description: { en: 'Title', zh: '标题' } },
    {
      name: 'lyrics',
      type: 'text',
      maxLength: 5000,
      description: { en: 'Your own lyrics', zh: '自定义歌词' },
    },
    {
      name: 'audio',
      type: 'audio',
      description: {
        en: 'Your audio (voice note, file): covered with the tags, else extended',
        zh: '你的音频（语音、文件）：有风格则翻唱，否则续写',
      },
    },
  ],
  async run(ctx) {
    await submitSong(ctx, ctx.args);
  },
});
