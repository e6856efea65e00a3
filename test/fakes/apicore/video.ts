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
import { otherVideoRoutes } from './video-others.js';
import {
  coverFileUrl,
  create,
  find,
  isImageRef,
  isRawOrUrl,
  notFound,
  route,
  step,
  type VideoFakeTask,
  videoFake,
  videoFileUrl,
} from './video-state.js';

export {
  coverFileUrl,
  type VideoFakeFamily,
  type VideoFakeState,
  type VideoFakeTask,
  videoFake,
  videoFileUrl,
} from './video-state.js';

// ---------- vidu (catalogue §5.1) ----------

function viduTask(ctx: RouteContext, t: VideoFakeTask, s: ReturnType<typeof step> | undefined): JsonBody {
  const state = !s
    ? 'queueing'
    : { queued: 'queueing', running: 'processing', done: 'success', failed: 'failed' }[s.at];
  return {
    id: t.id,
    type: t.submit.type,
    input: t.submit.input,
    settings: t.submit.settings,
    state,
    creations:
      state === 'success'
        ? [
            {
              id: `creation-${t.n}`,
              task_id: t.id,
              uri: videoFileUrl(ctx, t),
              cover_uri: coverFileUrl(ctx, t),
              resolution: { width: 1280, height: 720 },
              video: { duration: 4, fps: 24, resolution: { width: 1280, height: 720 } },
            },
          ]
        : [],
    err_code: state === 'failed' ? (t.fail ?? 'TaskFailed') : '',
    created_at: new Date().toISOString(),
    server_id: 'fake-1',
  };
}

function viduProblem(j: JsonBody): Problem | undefined {
  const prompts = isObject(j.input) && Array.isArray(j.input.prompts) ? (j.input.prompts as JsonBody[]) : [];
  const text = prompts.find((p) => p.type === 'text');
  const image = prompts.find((p) => p.type === 'image');
  const settings = isObject(j.settings) ? j.settings : {};
  return firstProblem(
    [['text2video', 'img2video', 'character2video'].includes(String(j.type)), 'type is invalid'],
    [isNonEmptyString(text?.content), 'prompt is required'],
    [j.type !== 'img2video' || isImageRef(image?.content), 'img2video needs an image prompt'],
    [j.type !== 'text2video' || !image, 'text2video takes no image prompt'],
    [settings.model === 'vidu-1' || settings.model === 'stable', 'settings.model must be vidu-1 or stable'],
    [settings.duration === 4 || settings.duration === 8, 'settings.duration must be 4 or 8'],
  );
}

// ---------- kling (catalogue §5.4) ----------

function klingData(ctx: RouteContext, t: VideoFakeTask, s: ReturnType<typeof step> | undefined): JsonBody {
  const status = !s
    ? 'submitted'
    : { queued: 'submitted', running: 'processing', done: 'succeed', failed: 'failed' }[s.at];
  return {
    task_id: t.id,
    task_status: status,
    task_status_msg: status === 'failed' ? (t.fail ?? 'failed') : '',
    created_at: Date.now(),
    updated_at: Date.now(),
    ...(status === 'succeed'
      ? {
          task_result: { videos: [{ id: `kling-video-${t.n}`, url: videoFileUrl(ctx, t), duration: '5.1' }] },
        }
      : {}),
  };
}

const klingAnswer = (data: JsonBody) => json({ code: 0, message: 'SUCCEED', request_id: 'req-fake', data });

function klingProblem(j: JsonBody, kind: string, ctx: RouteContext): Problem | undefined {
  if (kind === 'video-extend') {
    const known = [...videoFake(ctx).tasks.values()].some(
      (t) => t.family === 'kling' && t.polled >= t.polls && `kling-video-${t.n}` === j.video_id,
    );
    return firstProblem(
      [isNonEmptyString(j.video_id), 'video_id is required'],
      [known, 'video_id is unknown'],
    );
  }
  return firstProblem(
    [isNonEmptyString(j.model_name), 'model_name is required'],
    [kind === 'image2video' || isNonEmptyString(j.prompt), 'prompt is required'],
    [typeof j.prompt !== 'string' || [...j.prompt].length <= 500, 'prompt is longer than 500'],
    [kind !== 'image2video' || isRawOrUrl(j.image), 'image is required (a URL or raw base64)'],
    [j.duration === undefined || j.duration === '5' || j.duration === '10', 'duration must be "5" or "10"'],
    [
      j.aspect_ratio === undefined || ['16:9', '9:16', '1:1'].includes(String(j.aspect_ratio)),
      'bad aspect_ratio',
    ],
  );
}

// ---------- luma (catalogue §5.2) ----------

function lumaGeneration(
  ctx: RouteContext,
  t: VideoFakeTask,
  s: ReturnType<typeof step> | undefined,
): JsonBody {
  const state = !s
    ? 'pending'
    : { queued: 'pending', running: 'processing', done: 'completed', failed: 'failed' }[s.at];
  const done = state === 'completed';
  return {
    id: t.id,
    prompt: t.submit.user_prompt,
    state,
    created_at: new Date().toISOString(),
    video: done
      ? {
          url: videoFileUrl(ctx, t),
          download_url: videoFileUrl(ctx, t),
          width: 1360,
          height: 752,
          thumbnail: null,
        }
      : null,
    thumbnail: done ? { url: coverFileUrl(ctx, t), width: 1360, height: 752 } : null,
    last_frame: null,
    estimate_wait_seconds: done ? null : 30,
    failure_reason: state === 'failed' ? (t.fail ?? 'failed') : null,
    server_id: 'fake-1',
  };
}

// ---------- the routes (runway, veo, jimeng, pika in video-others.ts) ----------

export const videoRoutes: Route[] = [
  route({
    method: 'POST',
    pattern: /^\/vidu\/v1\/tasks$/,
    body: 'json',
    validate: viduProblem,
    handle: (j, _rec, ctx) => json(viduTask(ctx, create(ctx, 'vidu', String(j.type), j), undefined)),
  }),
  route({
    method: 'GET',
    pattern: /^\/vidu\/v1\/tasks\/([^/]+)$/,
    body: 'none',
    handle: (_j, _rec, ctx, [id]) => {
      const t = find(ctx, 'vidu', id);
      return t ? json(viduTask(ctx, t, step(t))) : notFound('task not found');
    },
  }),
  route({
    method: 'POST',
    pattern: /^\/kling\/v1\/videos\/(text2video|image2video|video-extend)$/,
    body: 'json',
    validate: (j, _rec, ctx, [kind]) => klingProblem(j, kind!, ctx),
    handle: (j, _rec, ctx, [kind]) => klingAnswer(klingData(ctx, create(ctx, 'kling', kind!, j), undefined)),
  }),
  route({
    method: 'GET',
    pattern: /^\/kling\/v1\/videos\/(text2video|image2video|video-extend)\/([^/]+)$/,
    body: 'none',
    handle: (_j, _rec, ctx, [kind, id]) => {
      const t = find(ctx, 'kling', id);
      if (!t || t.kind !== kind)
        return json({ code: 1203, message: 'task not found', request_id: 'req-fake' }, 404);
      return klingAnswer(klingData(ctx, t, step(t)));
    },
  }),
  route({
    method: 'POST',
    pattern: /^\/luma\/generations$/,
    body: 'json',
    validate: (j) =>
      firstProblem(
        [isNonEmptyString(j.user_prompt), 'user_prompt is required'],
        [j.model_name === undefined || ['ray-v1', 'ray-v2'].includes(String(j.model_name)), 'bad model_name'],
        [j.image_url === undefined || isImageRef(j.image_url), 'image_url must be a URL or base64'],
      ),
    handle: (j, _rec, ctx) => json(lumaGeneration(ctx, create(ctx, 'luma', 'generate', j), undefined), 201),
  }),
  route({
    method: 'POST',
    pattern: /^\/luma\/generations\/([^/]+)\/extend$/,
    body: 'json',
    validate: (j, _rec, ctx, [id]) => {
      const parent = find(ctx, 'luma', id);
      return firstProblem(
        [isNonEmptyString(j.user_prompt), 'user_prompt is required'],
        [
          parent !== undefined && parent.polled >= parent.polls,
          { message: 'generation not found', code: 'not_found', status: 404 },
        ],
      );
    },
    handle: (j, _rec, ctx) => json(lumaGeneration(ctx, create(ctx, 'luma', 'extend', j), undefined), 201),
  }),
  route({
    method: 'GET',
    pattern: /^\/luma\/generations\/([^/]+)$/,
    body: 'none',
    handle: (_j, _rec, ctx, [id]) => {
      const t = find(ctx, 'luma', id);
      return t ? json(lumaGeneration(ctx, t, step(t))) : json({ detail: 'Generation not found' }, 404);
    },
  }),
  ...otherVideoRoutes,
];
