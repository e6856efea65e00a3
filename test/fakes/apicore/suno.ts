import { sunoError } from './builders.js';
import {
  firstProblem,
  isNonEmptyString,
  type JsonBody,
  json,
  type Route,
  type RouteContext,
} from './route.js';
import type { Scripted, SunoStage, SunoTaskDto, SunoTaskState } from './types.js';

export const DEFAULT_SUNO_TITLE = '雨中的城市 🌧';
export const DEFAULT_SUNO_LYRICS = '[Verse]\n雨落在窗台 rain on the window 🌧';

const clipId = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Default script for a MUSIC task: two clips streaming, then complete. */
export function defaultSunoMusicStages(
  url: string,
  submit: JsonBody,
  clipNos: [number, number],
): SunoStage[] {
  const title = isNonEmptyString(submit.title) ? submit.title : DEFAULT_SUNO_TITLE;
  const tags = isNonEmptyString(submit.tags) ? submit.tags : 'pop, rainy, lo-fi';
  const lyrics = isNonEmptyString(submit.prompt) ? submit.prompt : DEFAULT_SUNO_LYRICS;
  const model = isNonEmptyString(submit.mv) ? submit.mv : 'chirp-v3-5';
  const clip = (n: number, complete: boolean) => ({
    id: clipId(n),
    title,
    status: complete ? 'complete' : 'streaming',
    audio_url: `${url}/files/clip-${n}.mp3`,
    video_url: complete ? `${url}/files/clip-${n}.mp4` : '',
    image_url: `${url}/files/cover-${n}.png`,
    image_large_url: `${url}/files/cover-${n}.png`,
    model_name: model,
    major_model_version: 'v3',
    created_at: '2026-01-01T12:00:00.000Z',
    is_video_pending: !complete,
    metadata: {
      tags,
      prompt: lyrics,
      gpt_description_prompt:
        typeof submit.gpt_description_prompt === 'string' ? submit.gpt_description_prompt : '',
      duration: complete ? 123.4 : null,
      type: 'gen',
      stream: !complete,
      error_type: null,
      error_message: null,
    },
  });
  return [
    { status: 'SUBMITTED', progress: '0%', data: null },
    { status: 'IN_PROGRESS', progress: '0%', data: clipNos.map((n) => clip(n, false)) },
    { status: 'SUCCESS', progress: '100%', data: clipNos.map((n) => clip(n, true)) },
  ];
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
  const dto: SunoTaskDto = { ...state.base, ...stage };
  if (stage.start_time === undefined && !['NOT_START', 'SUBMITTED', 'QUEUED'].includes(dto.status)) {
    dto.start_time = state.base.submit_time + 1;
  }
  if (stage.finish_time === undefined && ['SUCCESS', 'FAILURE'].includes(dto.status)) {
    dto.finish_time = state.base.submit_time + 2;
  }
  return dto;
}

function submit(action: 'MUSIC' | 'LYRICS', j: JsonBody, ctx: RouteContext): Scripted {
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
  const stages =
    ctx.sunoStages.shift() ??
    (action === 'MUSIC'
      ? defaultSunoMusicStages(ctx.url, j, [ctx.nextSeq('clip'), ctx.nextSeq('clip')])
      : defaultSunoLyricsStages(`lyrics-${id}`));
  ctx.sunoTasks.set(id, { id, action, submitBody: j, stages, stage: 0, base });
  return json({ code: 'success', message: '', data: id });
}

const optional = (j: JsonBody, key: string, type: 'string' | 'number' | 'boolean'): [boolean, string] => [
  j[key] === undefined || typeof j[key] === type,
  `${key} must be a ${type}`,
];

export const sunoRoutes: Route[] = [
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
      return firstProblem(
        [action === 'music', { message: `invalid_action: ${action}`, code: 'invalid_action' }],
        [
          isNonEmptyString(j.prompt) || isNonEmptyString(j.gpt_description_prompt),
          'prompt or gpt_description_prompt is required',
        ],
        [!isNonEmptyString(j.continue_clip_id) || isNonEmptyString(j.task_id), 'task id is empty'],
        optional(j, 'mv', 'string'),
        optional(j, 'title', 'string'),
        optional(j, 'tags', 'string'),
        optional(j, 'make_instrumental', 'boolean'),
        optional(j, 'continue_at', 'number'),
      );
    },
    handle: (j, _rec, ctx, [action]) => submit(action === 'lyrics' ? 'LYRICS' : 'MUSIC', j, ctx),
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
