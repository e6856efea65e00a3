import { sunoError } from './builders.js';
import {
  firstProblem,
  isNonEmptyString,
  isObject,
  type JsonBody,
  json,
  type Problem,
  type Route,
  type RouteContext,
} from './route.js';
import type { Scripted, SunoStage, SunoTaskDto, SunoTaskState } from './types.js';

export const DEFAULT_SUNO_TITLE = '雨中的城市 🌧';
export const DEFAULT_SUNO_LYRICS = '[Verse]\n雨落在窗台 rain on the window 🌧';

/** `mv` values the fake accepts (APICore's page + the sister docs it copies, catalogue §1.1). */
export const SUNO_MODELS = [
  'chirp-v3-0',
  'chirp-v3-5',
  'chirp-v4',
  'chirp-auk',
  'chirp-auk-turbo',
  'chirp-bluejay',
  'chirp-crow',
  'chirp-v3-5-tau',
  'chirp-v4-tau',
  'chirp-v3-5-upload',
  'chirp-v4-upload',
];
/** Models that may do stems, timing and mp4 ("仅限chirp_auk": chirp-auk = v4.5 and newer). */
export const SUNO_AUK_OR_NEWER = ['chirp-auk', 'chirp-auk-turbo', 'chirp-bluejay', 'chirp-crow'];
const TASKS = ['extend', 'upload_extend', 'cover', 'infill', 'artist_consistency', 'gen_stem'];
const TWELVE_STEMS = [
  'Vocals',
  'Backing Vocals',
  'Drums',
  'Bass',
  'Guitar',
  'Keyboard',
  'Strings',
  'Brass',
  'Woodwinds',
  'Percussion',
  'Synth',
  'FX',
];
/** Length of a fake continuation (extend / upload_extend), seconds. */
export const SUNO_EXTENSION_SECONDS = 60.5;
/** Length the fake gives an uploaded file (it does not decode audio), seconds. */
export const SUNO_UPLOAD_SECONDS = 30;
/** Largest upload the fake accepts. */
export const SUNO_UPLOAD_MAX_BYTES = 20 * 1024 * 1024;

const clipId = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

type Clip = JsonBody & { id: string; metadata: JsonBody };

interface ClipSpec {
  title: string;
  tags: string;
  lyrics: string;
  model: string;
  duration: number;
  type: string;
  gptDescription?: string;
  meta?: JsonBody;
}

export interface SunoPersona {
  id: string;
  name: string;
  description: string;
  root_clip_id: string;
  clips: string[];
}

/** State beyond the task map: uploads, personas, act call counts, Udio tasks (one per fake). */
export interface SunoExtraState {
  /** Uploaded clips by id, with the URL the fake fetched. */
  uploads: Map<string, { clip: Clip; url: string; bytes: number }>;
  personas: Map<string, SunoPersona>;
  /** `${kind}:${clipId}` → act calls so far (wav/mp4 are pending on the first). */
  acts: Map<string, number>;
  udioTasks: Map<string, SunoTaskState>;
  /** Stage scripts for the NEXT Udio tasks (FIFO; each stage's `data` is the songs array). */
  udioStages: SunoStage[][];
}

const extras = new WeakMap<RouteContext, SunoExtraState>();

/** The fake's Suno/Udio state beyond `sunoTasks` (pass the FakeApiCore). */
export function sunoExtra(ctx: RouteContext): SunoExtraState {
  let e = extras.get(ctx);
  if (!e) {
    e = { uploads: new Map(), personas: new Map(), acts: new Map(), udioTasks: new Map(), udioStages: [] };
    extras.set(ctx, e);
  }
  return e;
}

function buildClip(url: string, n: number, spec: ClipSpec, complete: boolean): Clip {
  return {
    id: clipId(n),
    title: spec.title,
    status: complete ? 'complete' : 'streaming',
    audio_url: `${url}/files/clip-${n}.mp3`,
    video_url: complete ? `${url}/files/clip-${n}.mp4` : '',
    image_url: `${url}/files/cover-${n}.png`,
    image_large_url: `${url}/files/cover-${n}.png`,
    model_name: spec.model,
    major_model_version: 'v3',
    created_at: '2026-01-01T12:00:00.000Z',
    is_video_pending: !complete,
    metadata: {
      tags: spec.tags,
      prompt: spec.lyrics,
      gpt_description_prompt: spec.gptDescription ?? '',
      duration: complete ? spec.duration : null,
      type: spec.type,
      stream: !complete,
      error_type: null,
      error_message: null,
      ...spec.meta,
    },
  };
}

/** Queued → streaming → complete, one stage per fetch (like every Suno task in the fake). */
function stagesFor(url: string, clips: [number, ClipSpec][]): SunoStage[] {
  return [
    { status: 'SUBMITTED', progress: '0%', data: null },
    { status: 'IN_PROGRESS', progress: '0%', data: clips.map(([n, s]) => buildClip(url, n, s, false)) },
    { status: 'SUCCESS', progress: '100%', data: clips.map(([n, s]) => buildClip(url, n, s, true)) },
  ];
}

function plainSpec(submit: JsonBody): ClipSpec {
  return {
    title: isNonEmptyString(submit.title) ? submit.title : DEFAULT_SUNO_TITLE,
    tags: isNonEmptyString(submit.tags) ? submit.tags : 'pop, rainy, lo-fi',
    lyrics: isNonEmptyString(submit.prompt) ? submit.prompt : DEFAULT_SUNO_LYRICS,
    model: isNonEmptyString(submit.mv) ? submit.mv : 'chirp-v3-5',
    duration: 123.4,
    type: 'gen',
    gptDescription: typeof submit.gpt_description_prompt === 'string' ? submit.gpt_description_prompt : '',
  };
}

/** Default script for a MUSIC task: two clips streaming, then complete. */
export function defaultSunoMusicStages(
  url: string,
  submit: JsonBody,
  clipNos: [number, number],
): SunoStage[] {
  const spec = plainSpec(submit);
  return stagesFor(
    url,
    clipNos.map((n) => [n, spec]),
  );
}

export function defaultSunoLyricsStages(id: string): SunoStage[] {
  return [
    { status: 'SUBMITTED', progress: '0%', data: null },
    {
      status: 'SUCCESS',
      progress: '100%',
      data: {
        id,
        status: 'complete',
        title: DEFAULT_SUNO_TITLE,
        text: `${DEFAULT_SUNO_LYRICS}\n\n[Chorus]\n等雨停`,
      },
    },
  ];
}

/** The TaskDto as a fetch returns it now; advances the task one stage. */
export function renderSunoTask(state: SunoTaskState): SunoTaskDto {
  const last = Math.max(0, state.stages.length - 1);
  const idx = Math.max(0, Math.min(state.stage, last));
  const stage = state.stages[idx] ?? {};
  state.stage = Math.min(idx + 1, last);
  state.shown = idx;
  const dto: SunoTaskDto = { ...state.base, ...stage };
  if (stage.start_time === undefined && !['NOT_START', 'SUBMITTED', 'QUEUED'].includes(dto.status)) {
    dto.start_time = state.base.submit_time + 1;
  }
  if (stage.finish_time === undefined && ['SUCCESS', 'FAILURE'].includes(dto.status)) {
    dto.finish_time = state.base.submit_time + 2;
  }
  return dto;
}

// ---------- clips the fake knows ----------

interface FoundClip {
  clip: Clip;
  /** The caller has seen it complete (its task was fetched up to a stage where it is `complete`). */
  complete: boolean;
  upload: boolean;
}

const clipsIn = (data: unknown): Clip[] =>
  Array.isArray(data) ? data.filter((c): c is Clip => isObject(c) && isObject(c.metadata)) : [];

/** A generated clip (from any task's final stage) or an uploaded one. */
export function findSunoClip(ctx: RouteContext, id: string): FoundClip | undefined {
  const upload = sunoExtra(ctx).uploads.get(id);
  if (upload) return { clip: upload.clip, complete: true, upload: true };
  for (const state of ctx.sunoTasks.values()) {
    const clip = clipsIn(state.stages.at(-1)?.data).find((c) => c.id === id);
    if (!clip) continue;
    const shown = state.shown === undefined ? undefined : state.stages[state.shown];
    const now = clipsIn(shown?.data).find((c) => c.id === id);
    return { clip, complete: now?.status === 'complete', upload: false };
  }
  return undefined;
}

const refuse = (code: string, message: string): Scripted => sunoError(400, code, message);
const clipDuration = (c: Clip): number => (typeof c.metadata.duration === 'number' ? c.metadata.duration : 0);
const clipModel = (c: Clip): string => str(c.model_name);
const isAukOrNewer = (model: string): boolean => SUNO_AUK_OR_NEWER.includes(model);
const aukOnly = (what: string, model: string): Scripted =>
  refuse(
    'model_not_supported',
    `仅限chirp_auk: ${what} needs a chirp-auk (v4.5) or newer clip; this one was made with ${model || 'an unknown model'}`,
  );

/** The clip, complete, or the refusal the gateway answers (unknown clip / not complete / failed). */
function usableClip(ctx: RouteContext, id: unknown): FoundClip | Scripted {
  const found = findSunoClip(ctx, str(id));
  if (!found) return refuse('clip_not_found', `clip not found: ${str(id)}`);
  if (found.clip.status === 'error')
    return refuse('clip_failed', `clip ${str(id)} failed and cannot be used`);
  if (!found.complete) return refuse('clip_not_complete', `clip ${str(id)} is not complete yet`);
  return found;
}
const isRefusal = (v: FoundClip | Scripted): v is Scripted => 'kind' in v;

// ---------- submits ----------

function newTask(
  ctx: RouteContext,
  action: 'MUSIC' | 'LYRICS',
  submitBody: JsonBody,
  build: (id: string) => SunoStage[],
): Scripted {
  const id = `suno-task-${ctx.nextSeq('suno')}`;
  const base: SunoTaskDto = {
    task_id: id,
    action,
    status: 'NOT_START',
    fail_reason: '',
    submit_time: Math.floor(Date.now() / 1000),
    start_time: 0,
    finish_time: 0,
    progress: '0%',
    data: null,
  };
  const stages = ctx.sunoStages.shift() ?? build(id);
  ctx.sunoTasks.set(id, { id, action, submitBody, stages, stage: 0, base });
  return json({ code: 'success', message: '', data: id });
}

/** Two clips made from `spec` (fresh clip numbers), as a task's stages. */
const twoClips =
  (ctx: RouteContext, spec: ClipSpec): (() => SunoStage[]) =>
  () =>
    stagesFor(ctx.url, [
      [ctx.nextSeq('clip'), spec],
      [ctx.nextSeq('clip'), spec],
    ]);

type History = {
  id: string;
  continue_at?: number;
  infill?: boolean;
  infill_start_s?: number;
  infill_end_s?: number;
}[];
const historyOf = (c: Clip): History =>
  Array.isArray(c.metadata.history) ? (c.metadata.history as History) : [];

function submitMusic(j: JsonBody, ctx: RouteContext): Scripted {
  const task = str(j.task);
  const mv = isNonEmptyString(j.mv) ? j.mv : 'chirp-v3-5';
  const extendLike =
    task === 'extend' || task === 'upload_extend' || (task === '' && isNonEmptyString(j.continue_clip_id));

  if (extendLike) {
    const src = usableClip(ctx, j.continue_clip_id);
    if (isRefusal(src)) return src;
    if (task === 'upload_extend' && !src.upload) {
      return refuse(
        'invalid_request',
        'upload_extend needs an uploaded clip; use task "extend" for a generated one',
      );
    }
    if (task !== 'upload_extend' && src.upload) {
      return refuse('invalid_request', 'an uploaded clip is extended with task "upload_extend"');
    }
    const at = Number(j.continue_at);
    const dur = clipDuration(src.clip);
    if (!(at > 0 && at <= dur)) {
      return refuse('invalid_request', `continue_at ${at} s is outside the clip (0–${dur} s)`);
    }
    if (!src.upload && clipModel(src.clip) !== mv) {
      return refuse('invalid_request', `mv ${mv} must match the clip's model ${clipModel(src.clip)}`);
    }
    return newTask(
      ctx,
      'MUSIC',
      j,
      twoClips(ctx, {
        title: isNonEmptyString(j.title) ? j.title : str(src.clip.title),
        tags: isNonEmptyString(j.tags) ? j.tags : str(src.clip.metadata.tags),
        lyrics: str(j.prompt),
        model: mv,
        duration: SUNO_EXTENSION_SECONDS,
        type: 'gen',
        meta: { history: [...historyOf(src.clip), { id: src.clip.id, continue_at: at }] },
      }),
    );
  }

  switch (task) {
    case 'cover': {
      const src = usableClip(ctx, j.cover_clip_id);
      if (isRefusal(src)) return src;
      return newTask(
        ctx,
        'MUSIC',
        j,
        twoClips(ctx, {
          title: isNonEmptyString(j.title) ? j.title : str(src.clip.title),
          tags: str(j.tags),
          lyrics: isNonEmptyString(j.prompt) ? j.prompt : str(src.clip.metadata.prompt),
          model: mv,
          duration: clipDuration(src.clip),
          type: 'cover',
          meta: { cover_clip_id: src.clip.id },
        }),
      );
    }
    case 'infill': {
      const src = usableClip(ctx, j.continue_clip_id);
      if (isRefusal(src)) return src;
      const start = Number(j.infill_start_s);
      const end = Number(j.infill_end_s);
      const dur = clipDuration(src.clip);
      if (!(start >= 0 && end > start && end <= dur)) {
        return refuse('invalid_request', `section ${start}–${end} s is not inside the clip (0–${dur} s)`);
      }
      return newTask(
        ctx,
        'MUSIC',
        j,
        twoClips(ctx, {
          title: isNonEmptyString(j.title) ? j.title : str(src.clip.title),
          tags: isNonEmptyString(j.tags) ? j.tags : str(src.clip.metadata.tags),
          lyrics: str(j.prompt),
          model: mv,
          // The new section only; a concat with is_infill:true puts it back into the song.
          duration: Math.round((end - start) * 100) / 100,
          type: 'infill',
          meta: { history: [{ id: src.clip.id, infill: true, infill_start_s: start, infill_end_s: end }] },
        }),
      );
    }
    case 'artist_consistency': {
      const persona = sunoExtra(ctx).personas.get(str(j.persona_id));
      if (!persona) return refuse('persona_not_found', `persona not found: ${str(j.persona_id)}`);
      if (str(j.artist_clip_id) !== persona.root_clip_id) {
        return refuse('invalid_request', "artist_clip_id must be the persona's root clip");
      }
      return newTask(ctx, 'MUSIC', j, twoClips(ctx, { ...plainSpec(j), meta: { persona_id: persona.id } }));
    }
    case 'gen_stem': {
      const src = usableClip(ctx, j.continue_clip_id);
      if (isRefusal(src)) return src;
      if (!isAukOrNewer(clipModel(src.clip))) return aukOnly('stems', clipModel(src.clip));
      if (!isAukOrNewer(mv)) return aukOnly('stems', mv);
      const names = str(j.stem_task) === 'twelve' ? TWELVE_STEMS : ['Vocals', 'Instrumental'];
      const title = str(src.clip.title);
      return newTask(ctx, 'MUSIC', j, () =>
        stagesFor(
          ctx.url,
          names.map((name): [number, ClipSpec] => [
            ctx.nextSeq('clip'),
            {
              title: `${title} - ${name}`,
              tags: str(src.clip.metadata.tags),
              lyrics: name === 'Vocals' ? str(src.clip.metadata.prompt) : '',
              model: clipModel(src.clip),
              duration: clipDuration(src.clip),
              type: 'stem',
              meta: { stem_from_id: src.clip.id, stem_type_group_name: str(j.stem_type_group_name) || 'Two' },
            },
          ]),
        ),
      );
    }
    default:
      return newTask(ctx, 'MUSIC', j, () =>
        defaultSunoMusicStages(ctx.url, j, [ctx.nextSeq('clip'), ctx.nextSeq('clip')]),
      );
  }
}

function submitConcat(j: JsonBody, ctx: RouteContext): Scripted {
  const src = usableClip(ctx, j.clip_id);
  if (isRefusal(src)) return src;
  const history = historyOf(src.clip);
  if (history.length === 0) return refuse('invalid_request', 'clip is not an extension: nothing to concat');
  const infill = history.some((h) => h.infill === true);
  if (infill !== (j.is_infill === true)) {
    return refuse(
      'invalid_request',
      infill ? 'is_infill must be true for a replaced section' : 'is_infill must be false for an extension',
    );
  }
  const parts = history.map((h) => findSunoClip(ctx, h.id)?.clip);
  const first = parts[0];
  const duration = infill
    ? clipDuration(first ?? src.clip)
    : history.reduce((sum, h) => sum + (h.continue_at ?? 0), 0) + clipDuration(src.clip);
  const lyrics = infill
    ? str(src.clip.metadata.prompt)
    : [...parts.map((c) => (c ? str(c.metadata.prompt) : '')), str(src.clip.metadata.prompt)]
        .filter((t) => t.trim() !== '')
        .join('\n\n');
  const spec: ClipSpec = {
    title: str(src.clip.title),
    tags: str(src.clip.metadata.tags),
    lyrics,
    model: clipModel(src.clip),
    duration: Math.round(duration * 100) / 100,
    type: 'concat',
    meta: { concat_history: history, concat_from_id: src.clip.id },
  };
  return newTask(ctx, 'MUSIC', j, () => stagesFor(ctx.url, [[ctx.nextSeq('clip'), spec]]));
}

// ---------- upload (the fake fetches the URL itself) ----------

/** Audio by its first bytes: MP3 (ID3 / frame sync), WAV, OGG/Opus, FLAC, M4A/AAC. */
export function sniffAudio(b: Buffer): string | undefined {
  const ascii = (at: number, len: number) => b.subarray(at, at + len).toString('latin1');
  if (ascii(0, 3) === 'ID3' || (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0)) return 'mp3';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WAVE') return 'wav';
  if (ascii(0, 4) === 'OggS') return 'ogg';
  if (ascii(0, 4) === 'fLaC') return 'flac';
  if (ascii(4, 4) === 'ftyp' && /^(M4A |M4B |mp42|isom|dash)/.test(ascii(8, 4))) return 'm4a';
  return undefined;
}

async function uploadUrl(j: JsonBody, ctx: RouteContext): Promise<Scripted> {
  const url = str(j.url);
  let bytes: Buffer;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'follow' });
    if (!res.ok) return refuse('upload_failed', `could not fetch the audio url: HTTP ${res.status}`);
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    return refuse('upload_failed', `could not fetch the audio url: ${(err as Error).message}`);
  }
  if (bytes.length > SUNO_UPLOAD_MAX_BYTES) {
    return refuse(
      'upload_failed',
      `audio file too large (${bytes.length} bytes; max ${SUNO_UPLOAD_MAX_BYTES})`,
    );
  }
  const format = sniffAudio(bytes);
  if (!format) return refuse('upload_failed', 'the url is not an audio file (mp3, wav, ogg, flac, m4a)');
  const n = ctx.nextSeq('clip');
  const name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '').replace(/\.[^.]*$/, '');
  const clip = buildClip(
    ctx.url,
    n,
    {
      title: name || 'Uploaded audio',
      tags: '',
      lyrics: '',
      model: 'upload',
      duration: SUNO_UPLOAD_SECONDS,
      type: 'upload',
      meta: { upload_format: format, upload_url: url },
    },
    true,
  );
  sunoExtra(ctx).uploads.set(clip.id, { clip, url, bytes: bytes.length });
  return json({ code: 'success', message: '', data: clip.id });
}

// ---------- persona ----------

function createPersona(j: JsonBody, ctx: RouteContext): Scripted {
  const root = usableClip(ctx, j.root_clip_id);
  if (isRefusal(root)) return root;
  if (root.upload) return refuse('invalid_request', 'a persona needs a clip generated here, not an upload');
  const clips = (j.clips as string[]).length > 0 ? (j.clips as string[]) : [root.clip.id];
  for (const id of clips) {
    const c = usableClip(ctx, id);
    if (isRefusal(c)) return c;
  }
  const persona: SunoPersona = {
    id: `persona-${ctx.nextSeq('suno')}`,
    name: str(j.name),
    description: str(j.description),
    root_clip_id: root.clip.id,
    clips,
  };
  sunoExtra(ctx).personas.set(persona.id, persona);
  // The raw upstream persona object (catalogue §1.8), not the {code,data} envelope.
  return json({
    id: persona.id,
    name: persona.name,
    description: persona.description,
    root_clip_id: persona.root_clip_id,
    clip: root.clip,
    persona_clips: clips.map((id) => ({ clip: findSunoClip(ctx, id)?.clip })),
    is_public: j.is_public === true,
    is_owned: true,
    user_display_name: 'fake',
    image_s3_id: str(root.clip.image_url),
  });
}

// ---------- act: wav / mp4 / timing ----------

const CJK = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}';
const WORD = new RegExp(`\\[[^\\]\\n]*\\]|[${CJK}]|[^\\s${CJK}]+`, 'gu');

/**
 * Aligned words for a clip's lyrics: one word per space-separated token (one per CJK character),
 * `[Section]` markers as zero-length words, a line's last word ending in "\n"; 0.4 s a word and
 * 2 s between lines, scaled to fit the clip.
 */
export function alignedWords(lyrics: string, duration: number): JsonBody[] {
  const words: JsonBody[] = [];
  let t = 1;
  for (const line of lyrics.split('\n')) {
    const tokens = line.match(WORD) ?? [];
    tokens.forEach((tok, i) => {
      const marker = tok.startsWith('[');
      const text = i === tokens.length - 1 ? `${tok}\n` : `${tok} `;
      words.push({
        word: text,
        success: true,
        start_s: t,
        end_s: marker ? t : t + 0.4,
        p_align: marker ? 1 : 0.9,
      });
      if (!marker) t += 0.4;
    });
    if (tokens.length > 0) t += 2;
  }
  const scale = t > duration && duration > 0 ? duration / t : 1;
  for (const w of words) {
    w.start_s = Math.round((w.start_s as number) * scale * 100) / 100;
    w.end_s = Math.round((w.end_s as number) * scale * 100) / 100;
  }
  return words;
}

function act(kind: string, id: string, ctx: RouteContext): Scripted {
  const found = usableClip(ctx, id);
  if (isRefusal(found)) return found;
  const model = clipModel(found.clip);
  if ((kind === 'timing' || kind === 'mp4') && !isAukOrNewer(model)) {
    return aukOnly(kind === 'timing' ? 'timed lyrics' : 'mp4 video', model);
  }
  if (kind === 'timing') {
    return json({
      aligned_words: alignedWords(str(found.clip.metadata.prompt), clipDuration(found.clip)),
      waveform_data: [0.1, 0.4, 0.8, 0.5, 0.2],
      hoot_cer: 0.12,
      is_streamed: false,
    });
  }
  const acts = sunoExtra(ctx).acts;
  const key = `${kind}:${id}`;
  const calls = (acts.get(key) ?? 0) + 1;
  acts.set(key, calls);
  // First call starts the conversion: a uuid in `data` (kkiai's shape), not a URL yet.
  if (calls === 1) return json({ code: 'success', message: '', data: `${kind}-job-${id}` });
  const url = `${ctx.url}/files/${id}.${kind}`;
  // wav: the bare object (client code calling api.apicore.ai); mp4: wrapped (CometAPI client code).
  return kind === 'wav'
    ? json({ wav_file_url: url })
    : json({ code: 'success', message: '', data: { mp4_file_url: url } });
}

// ---------- validation ----------

const optional = (
  j: JsonBody,
  key: string,
  type: 'string' | 'number' | 'boolean',
  nullable = false,
): [boolean, string] => [
  j[key] === undefined || typeof j[key] === type || (nullable && j[key] === null),
  `${key} must be a ${type}`,
];
const required = (
  j: JsonBody,
  key: string,
  when: boolean,
  type: 'string' | 'number' = 'string',
): [boolean, string] => [
  !when ||
    (type === 'string' ? isNonEmptyString(j[key]) : typeof j[key] === 'number' && Number.isFinite(j[key])),
  `${key} is required`,
];

function validateMusic(j: JsonBody): Problem | undefined {
  const task = j.task === undefined ? '' : str(j.task);
  const extendLike =
    task === 'extend' || task === 'upload_extend' || (task === '' && isNonEmptyString(j.continue_clip_id));
  const needsPrompt = (task === '' && !extendLike) || task === 'artist_consistency' || task === 'infill';
  return firstProblem(
    [j.task === undefined || TASKS.includes(str(j.task)), `task must be one of ${TASKS.join(', ')}`],
    [
      j.mv === undefined || SUNO_MODELS.includes(str(j.mv)),
      { message: `mv must be one of ${SUNO_MODELS.join(', ')}`, code: 'invalid_mv' },
    ],
    [
      !needsPrompt || isNonEmptyString(j.prompt) || isNonEmptyString(j.gpt_description_prompt),
      'prompt or gpt_description_prompt is required',
    ],
    // new-api: an extend of a generated clip names the original task (uploads have none).
    [!(extendLike && task !== 'upload_extend') || isNonEmptyString(j.task_id), 'task id is empty'],
    required(j, 'continue_clip_id', extendLike || task === 'infill' || task === 'gen_stem'),
    required(j, 'continue_at', extendLike, 'number'),
    required(j, 'cover_clip_id', task === 'cover'),
    required(j, 'tags', task === 'cover'),
    required(j, 'infill_start_s', task === 'infill', 'number'),
    required(j, 'infill_end_s', task === 'infill', 'number'),
    required(j, 'persona_id', task === 'artist_consistency'),
    required(j, 'artist_clip_id', task === 'artist_consistency'),
    [
      task !== 'gen_stem' || j.stem_task === undefined || ['two', 'twelve'].includes(str(j.stem_task)),
      'stem_task must be "two" or "twelve"',
    ],
    [
      task !== 'gen_stem' ||
        j.stem_type_group_name === undefined ||
        ['Two', 'Twelve'].includes(str(j.stem_type_group_name)),
      'stem_type_group_name must be "Two" or "Twelve"',
    ],
    ...(
      ['mv', 'title', 'tags', 'prompt', 'gpt_description_prompt', 'task_id', 'continue_clip_id'] as const
    ).map((k) => optional(j, k, 'string')),
    ...(['cover_clip_id', 'persona_id', 'artist_clip_id', 'negative_tags', 'generation_type'] as const).map(
      (k) => optional(j, k, 'string'),
    ),
    ...(['stem_task', 'stem_type_group_name', 'notify_hook'] as const).map((k) => optional(j, k, 'string')),
    optional(j, 'make_instrumental', 'boolean'),
    optional(j, 'continue_at', 'number', true),
    optional(j, 'infill_start_s', 'number'),
    optional(j, 'infill_end_s', 'number'),
    optional(j, 'stem_type_id', 'number'),
  );
}

export const sunoRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/suno\/submit\/concat$/,
    family: 'suno',
    body: 'json',
    validate: (j) =>
      firstProblem([isNonEmptyString(j.clip_id), 'clip_id is required'], optional(j, 'is_infill', 'boolean')),
    handle: (j, _rec, ctx) => submitConcat(j, ctx),
  },
  {
    method: 'POST',
    pattern: /^\/suno\/submit\/([^/]+)$/,
    family: 'suno',
    body: 'json',
    validate: (j, _rec, _ctx, [action]) => {
      if (action === 'lyrics') {
        return firstProblem(
          [isNonEmptyString(j.prompt), 'prompt is required'],
          optional(j, 'notify_hook', 'string'),
        );
      }
      return (
        firstProblem([
          action === 'music',
          { message: `invalid_action: ${action}`, code: 'invalid_action' },
        ]) ?? validateMusic(j)
      );
    },
    handle: (j, _rec, ctx, [action]) =>
      action === 'lyrics'
        ? newTask(ctx, 'LYRICS', j, (id) => defaultSunoLyricsStages(`lyrics-${id}`))
        : submitMusic(j, ctx),
  },
  {
    method: 'POST',
    pattern: /^\/suno\/uploads\/audio-url$/,
    family: 'suno',
    body: 'json',
    validate: (j) => firstProblem([/^https?:\/\/\S+$/.test(str(j.url)), 'url must be an http(s) URL']),
    handle: (j, _rec, ctx) => uploadUrl(j, ctx),
  },
  {
    method: 'POST',
    pattern: /^\/suno\/persona\/create\/$/,
    family: 'suno',
    body: 'json',
    validate: (j) =>
      firstProblem(
        [isNonEmptyString(j.root_clip_id), 'root_clip_id is required'],
        [isNonEmptyString(j.name), 'name is required'],
        optional(j, 'description', 'string'),
        [
          Array.isArray(j.clips) && j.clips.every((c) => isNonEmptyString(c)),
          'clips must be an array of clip ids',
        ],
        optional(j, 'is_public', 'boolean'),
      ),
    handle: (j, _rec, ctx) => createPersona(j, ctx),
  },
  {
    method: 'GET',
    pattern: /^\/suno\/act\/(wav|mp4|timing)\/([^/]+)$/,
    family: 'suno',
    body: 'none',
    handle: (_j, _rec, ctx, [kind, id]) => act(kind ?? '', decodeURIComponent(id ?? ''), ctx),
  },
  {
    method: 'GET',
    pattern: /^\/suno\/fetch\/([^/]+)$/,
    family: 'suno',
    body: 'none',
    handle: (_j, _rec, ctx, [id]) => {
      const state = ctx.sunoTasks.get(id ?? '');
      return state
        ? json({ code: 'success', message: '', data: renderSunoTask(state) })
        : sunoError(400, 'task_not_exist', 'task_not_exist');
    },
  },
  {
    method: 'POST',
    pattern: /^\/suno\/fetch$/,
    family: 'suno',
    body: 'json',
    validate: (j) =>
      firstProblem(
        [
          j.ids === undefined || (Array.isArray(j.ids) && j.ids.every((id) => typeof id === 'string')),
          'ids must be an array of strings',
        ],
        optional(j, 'action', 'string'),
      ),
    handle: (j, _rec, ctx) => {
      const ids = Array.isArray(j.ids) ? (j.ids as string[]) : [];
      const data = ids.flatMap((id) => ctx.sunoTasks.get(id) ?? []).map(renderSunoTask);
      return json({ code: 'success', message: '', data });
    },
  },
];
