import { sunoError } from './builders.js';
import {
  firstProblem,
  isNonEmptyString,
  isObject,
  type JsonBody,
  json,
  type Route,
  type RouteContext,
} from './route.js';
import { renderSunoTask, sunoExtra } from './suno.js';
import type { SunoStage, SunoTaskDto, SunoTaskState } from './types.js';

export const UDIO_MODELS = ['udio32-v1.5', 'udio130-v1.5'];
const LYRICS_TYPES = ['generate', 'user', 'instrumental'];

/** Song length by model: udio32 makes 32 s, udio130 130 s. */
const secondsFor = (model: string): number => (model === 'udio130-v1.5' ? 130 : 32);

/** Default script: two songs, unfinished, then finished (one stage per fetch, like Suno). */
export function defaultUdioStages(url: string, params: JsonBody, songNos: [number, number]): SunoStage[] {
  const model = isNonEmptyString(params.model_type) ? params.model_type : 'udio32-v1.5';
  const lyricsType = typeof params.lyrics_type === 'string' ? params.lyrics_type : 'generate';
  const prompt = typeof params.prompt === 'string' ? params.prompt : '';
  const lyrics =
    lyricsType === 'instrumental'
      ? ''
      : lyricsType === 'user' && typeof params.lyrics === 'string'
        ? params.lyrics
        : `[Verse]\n${prompt}\n夜空 ✨ under the stars`;
  const song = (n: number, finished: boolean): JsonBody => ({
    id: `udio-song-${n}`,
    title: prompt.slice(0, 40) || 'Udio song',
    lyrics,
    prompt,
    tags: ['udio', 'pop'],
    duration: finished ? secondsFor(model) : 0,
    finished,
    song_path: finished ? `${url}/files/udio-${n}.mp3` : '',
    image_path: `${url}/files/udio-cover-${n}.png`,
    video_path: finished ? `${url}/files/udio-${n}.mp4` : '',
    error_code: null,
    error_type: null,
    error_detail: null,
    created_at: '2026-01-01T12:00:00.000Z',
  });
  return [
    { status: 'SUBMITTED', progress: '0%', data: [] },
    { status: 'IN_PROGRESS', progress: '50%', data: songNos.map((n) => song(n, false)) },
    { status: 'SUCCESS', progress: '100%', data: songNos.map((n) => song(n, true)) },
  ];
}

/** `GET /udio/fetch/{id}` data: the task with `songs` (a stage's `data`), advancing one stage. */
function renderUdioTask(state: SunoTaskState): JsonBody {
  const { data, ...dto } = renderSunoTask(state);
  return { ...dto, songs: Array.isArray(data) ? data : [] };
}

function submit(params: JsonBody, ctx: RouteContext) {
  const extra = sunoExtra(ctx);
  const id = `udio-task-${ctx.nextSeq('suno')}`;
  const base: SunoTaskDto = {
    task_id: id,
    action: 'udio-generate',
    status: 'NOT_START',
    fail_reason: '',
    submit_time: Math.floor(Date.now() / 1000),
    start_time: 0,
    finish_time: 0,
    progress: '0%',
    data: [],
  };
  const stages =
    extra.udioStages.shift() ??
    defaultUdioStages(ctx.url, params, [ctx.nextSeq('clip'), ctx.nextSeq('clip')]);
  extra.udioTasks.set(id, { id, action: 'udio-generate', submitBody: params, stages, stage: 0, base });
  return json({ code: 'success', message: '', data: id });
}

const optionalType = (p: JsonBody, key: string, type: 'string' | 'number' | 'boolean'): [boolean, string] => [
  p[key] === undefined || typeof p[key] === type,
  `gen_params.${key} must be a ${type}`,
];

export const udioRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/udio\/submit\/music$/,
    family: 'suno',
    body: 'json',
    validate: (j) => {
      const p = isObject(j.gen_params) ? j.gen_params : undefined;
      if (!p) return 'gen_params is required';
      return firstProblem(
        [isNonEmptyString(p.prompt), 'gen_params.prompt is required'],
        [
          p.lyrics_type === undefined || LYRICS_TYPES.includes(String(p.lyrics_type)),
          `gen_params.lyrics_type must be one of ${LYRICS_TYPES.join(', ')}`,
        ],
        [
          p.model_type === undefined || UDIO_MODELS.includes(String(p.model_type)),
          {
            message: `gen_params.model_type must be one of ${UDIO_MODELS.join(', ')}`,
            code: 'invalid_model',
          },
        ],
        [
          p.lyrics_type !== 'user' || isNonEmptyString(p.lyrics),
          'gen_params.lyrics is required for lyrics_type user',
        ],
        optionalType(p, 'lyrics', 'string'),
        optionalType(p, 'negative_prompt', 'string'),
        optionalType(p, 'bypass_prompt_optimization', 'boolean'),
        optionalType(p, 'seed', 'number'),
        optionalType(p, 'song_section_start', 'number'),
        optionalType(p, 'prompt_strength', 'number'),
        optionalType(p, 'clarity_strength', 'number'),
        optionalType(p, 'lyrics_strength', 'number'),
        optionalType(p, 'generation_quality', 'number'),
        [p.config === undefined || isObject(p.config), 'gen_params.config must be an object'],
      );
    },
    handle: (j, _rec, ctx) => submit(j.gen_params as JsonBody, ctx),
  },
  {
    method: 'GET',
    pattern: /^\/udio\/fetch\/([^/]+)$/,
    family: 'suno',
    body: 'none',
    handle: (_j, _rec, ctx, [id]) => {
      const state = sunoExtra(ctx).udioTasks.get(decodeURIComponent(id ?? ''));
      return state
        ? json({ code: 'success', message: '', data: renderUdioTask(state) })
        : sunoError(400, 'task_not_exist', 'task_not_exist');
    },
  },
];
