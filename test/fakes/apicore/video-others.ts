import { firstProblem, isNonEmptyString, isObject, json, type Problem, type Route } from './route.js';
import type { RecordedRequest } from './types.js';
import {
  coverFileUrl,
  create,
  created,
  find,
  isImageRef,
  isRawOrUrl,
  notFound,
  route,
  step,
  videoFileUrl,
} from './video-state.js';

/** The version Runway's official API requires on every request (catalogue §5.3). */
export const RUNWAY_VERSION = '2024-11-06';

/** Runway's official endpoints refuse a request without `X-Runway-Version` (CometAPI: "required"). */
function runwayVersionProblem(rec: RecordedRequest): Problem | undefined {
  const v = rec.headers['x-runway-version'];
  if (v === undefined) return { message: 'X-Runway-Version header is required', code: 'invalid_request' };
  return v === RUNWAY_VERSION
    ? undefined
    : { message: `unsupported X-Runway-Version ${String(v)}`, code: 'invalid_request' };
}

/** Runway (official and reverse), Veo, Jimeng and Pika (catalogue §5.3, §5.5, §5.7, §5.8). */
export const otherVideoRoutes: Route[] = [
  route({
    method: 'POST',
    pattern: /^\/runwayml\/v1\/image_to_video$/,
    body: 'json',
    validate: (j, rec) => {
      const gen4 = ['1280:720', '720:1280', '1104:832', '832:1104', '960:960', '1584:672'];
      const gen3 = ['1280:768', '768:1280'];
      const version = runwayVersionProblem(rec);
      if (version) return version;
      return firstProblem(
        [isImageRef(j.promptImage), 'promptImage is required'],
        [j.model === 'gen3a_turbo' || j.model === 'gen4_turbo', 'model must be gen3a_turbo or gen4_turbo'],
        [
          (j.model === 'gen4_turbo' ? gen4 : gen3).includes(String(j.ratio)),
          `ratio ${String(j.ratio)} is invalid`,
        ],
        [j.duration === 5 || j.duration === 10, 'duration must be 5 or 10'],
        [j.promptText === undefined || isNonEmptyString(j.promptText), 'promptText must be a string'],
      );
    },
    handle: (j, _rec, ctx) => json({ id: create(ctx, 'runway', 'image_to_video', j).id }),
  }),
  route({
    method: 'GET',
    pattern: /^\/runwayml\/v1\/tasks\/([^/]+)$/,
    body: 'none',
    validate: (_j, rec) => runwayVersionProblem(rec),
    handle: (_j, _rec, ctx, [id]) => {
      const t = find(ctx, 'runway', id);
      if (!t) return notFound('task_not_exist');
      const s = step(t);
      const status = { queued: 'PENDING', running: 'RUNNING', done: 'SUCCEEDED', failed: 'FAILED' }[s.at];
      return json({
        id: t.id,
        status,
        createdAt: new Date().toISOString(),
        ...(status === 'RUNNING' ? { progress: s.progress / 100 } : {}),
        ...(status === 'SUCCEEDED' ? { output: [videoFileUrl(ctx, t)] } : {}),
        ...(status === 'FAILED' ? { failure: t.fail, failureCode: 'INTERNAL' } : {}),
      });
    },
  }),
  route({
    method: 'POST',
    pattern: /^\/runway\/pro\/generate$/,
    body: 'json',
    validate: (j) =>
      firstProblem(
        [isNonEmptyString(j.prompt), 'prompt is required'],
        [j.model === 'gen3' || j.model === 'gen4', 'model must be gen3 or gen4'],
        [isNonEmptyString(j.ratio), 'ratio is required'],
        [j.image === undefined || isImageRef(j.image), 'image must be a URL or base64'],
      ),
    handle: (j, _rec, ctx) =>
      json({
        code: 200,
        msg: 'success',
        data: { task_id: create(ctx, 'runway-pro', 'generate', j).id },
        exec_time: 0.2,
      }),
  }),
  route({
    method: 'POST',
    pattern: /^\/runway\/feed$/,
    body: 'json',
    validate: (j) => firstProblem([isNonEmptyString(j.task_id), 'task_id is required']),
    handle: (j, _rec, ctx) => {
      const t = find(ctx, 'runway-pro', String(j.task_id));
      if (!t) return json({ code: 'task_not_exist', message: 'task_not_exist', data: null }, 400);
      const s = step(t);
      const status = { queued: 'QUEUED', running: 'IN_PROGRESS', done: 'SUCCESS', failed: 'FAILURE' }[s.at];
      return json({
        code: 'success',
        message: '',
        data: {
          task_id: t.id,
          action: 'generate',
          status,
          progress: `${s.progress}%`,
          fail_reason: status === 'FAILURE' ? t.fail : '',
          data:
            status === 'SUCCESS'
              ? { id: t.id, video_url: videoFileUrl(ctx, t), poster: coverFileUrl(ctx, t), status: 'success' }
              : { id: t.id, status: status.toLowerCase() },
        },
      });
    },
  }),
  route({
    method: 'POST',
    pattern: /^\/v1\/video\/generations$/,
    body: 'json',
    validate: (j) => {
      const frames = /-frames/.test(String(j.model));
      const images = Array.isArray(j.images) ? j.images : [];
      return firstProblem(
        [isNonEmptyString(j.prompt), 'prompt is required'],
        [isNonEmptyString(j.model) && /^veo/.test(j.model), 'model must be a veo model'],
        [!frames || (images.length > 0 && images.every(isImageRef)), 'a -frames model needs images'],
        [frames || images.length === 0, 'images need a -frames model'],
      );
    },
    handle: (j, _rec, ctx) =>
      json({ code: 'success', message: '', data: create(ctx, 'veo', String(j.model), j).id }),
  }),
  route({
    method: 'GET',
    pattern: /^\/v1\/video\/generations\/([^/]+)$/,
    body: 'none',
    handle: (_j, _rec, ctx, [id]) => {
      const t = find(ctx, 'veo', id);
      if (!t) return notFound('task_not_exist');
      const s = step(t);
      const status = { queued: 'NOT_START', running: 'IN_PROGRESS', done: 'SUCCESS', failed: 'FAILURE' }[
        s.at
      ];
      return json({
        code: 'success',
        message: '',
        data: {
          task_id: t.id,
          action: 'generate',
          status,
          progress: `${s.progress}%`,
          fail_reason: status === 'FAILURE' ? t.fail : '',
          submit_time: created(),
          data: status === 'SUCCESS' ? { videoUrl: videoFileUrl(ctx, t), model: t.kind } : null,
        },
      });
    },
  }),
  route({
    method: 'POST',
    pattern: /^\/task\/jimeng\/(text2video|image2video)$/,
    body: 'json',
    validate: (j, _rec, _ctx, [kind]) => {
      const b64 = Array.isArray(j.binary_data_base64) ? j.binary_data_base64 : [];
      const urls = Array.isArray(j.image_urls) ? j.image_urls : [];
      return firstProblem(
        [isNonEmptyString(j.prompt), 'prompt is required'],
        [typeof j.prompt !== 'string' || [...j.prompt].length <= 150, 'prompt is longer than 150'],
        [kind !== 'image2video' || b64.some(isRawOrUrl) || urls.some(isImageRef), 'an image is required'],
        [kind !== 'text2video' || (b64.length === 0 && urls.length === 0), 'text2video takes no image'],
      );
    },
    handle: (j, _rec, ctx, [kind]) =>
      json({
        code: 10000,
        data: { task_id: create(ctx, 'jimeng', kind!, j).id },
        message: 'Success',
        request_id: 'req-fake',
        status: 10000,
        time_elapsed: '12.3ms',
      }),
  }),
  route({
    method: 'GET',
    pattern: /^\/task\/([^/]+)$/,
    body: 'none',
    handle: (_j, _rec, ctx, [id]) => {
      const t = find(ctx, 'jimeng', id);
      if (!t) return notFound('task not found');
      const s = step(t);
      const status = { queued: 'in_queue', running: 'generating', done: 'done', failed: 'failed' }[s.at];
      const url = status === 'done' ? videoFileUrl(ctx, t) : '';
      return json({
        code: 10000,
        data: { status, video_url: url, resp_data: JSON.stringify({ video_url: url }), reason: t.fail ?? '' },
        message: 'Success',
        request_id: 'req-fake',
        status: 10000,
      });
    },
  }),
  route({
    method: 'POST',
    pattern: /^\/pika\/generate$/,
    body: 'json',
    validate: (j) => {
      const options = isObject(j.options) ? j.options : {};
      return firstProblem(
        [isNonEmptyString(j.promptText), 'promptText is required'],
        [j.model === '1.5' || j.model === '2.0', 'model must be "1.5" or "2.0"'],
        [j.image === undefined || isImageRef(j.image), 'image must be a URL or base64'],
        [
          options.aspectRatio === undefined || typeof options.aspectRatio === 'number',
          'aspectRatio must be a number',
        ],
        [j.image === undefined || options.aspectRatio === undefined, 'omit aspectRatio with an image'],
      );
    },
    handle: (j, _rec, ctx) => json({ id: create(ctx, 'pika', 'generate', j).id }),
  }),
  route({
    method: 'GET',
    pattern: /^\/pika\/feed\/([^/]+)$/,
    body: 'none',
    handle: (_j, _rec, ctx, [id]) => {
      const t = find(ctx, 'pika', id);
      if (!t) return notFound('task not found');
      const s = step(t);
      const status = { queued: 'queued', running: 'started', done: 'finished', failed: 'error' }[s.at];
      return json({
        id: t.id,
        promptText: t.submit.promptText,
        videos: [
          {
            id: `pika-video-${t.n}`,
            status,
            progress: s.progress,
            seed: 42,
            resultUrl: status === 'finished' ? videoFileUrl(ctx, t) : '',
            sharingUrl: '',
            videoPoster: status === 'finished' ? coverFileUrl(ctx, t) : '',
            imageThumb: '',
            duration: 5,
            error: status === 'error' ? t.fail : null,
          },
        ],
      });
    },
  }),
];
