import { bodyError } from '../errors.js';
import { firstStr, getTask, isObj, obj, percent, requireId, type VideoModule } from './shared.js';

/** The wrapper's codes that mean "accepted" (`{code: 200, …}` on submit, `"success"` on feed). */
const OK_CODES = new Set<unknown>([200, '200', 0, '0', 'success', undefined]);

/**
 * Runway "reverse" (catalogue §5.3; gateway: CometAPI): text or image to video,
 * `POST /runway/pro/generate` → `{code: 200, msg, data: {task_id}}`; poll `POST /runway/feed
 * {task_id}` → a new-api task wrapper (`data.status` QUEUED…SUCCESS/FAILURE, `data.progress`,
 * `data.fail_reason`, the provider object with `video_url` in `data.data`).
 */
export const runwayPro: VideoModule = {
  async submit(t, req, opts) {
    const json = {
      prompt: req.prompt,
      model: /gen3/i.test(req.model) ? 'gen3' : 'gen4',
      ratio: req.ratio ?? '16:9',
      style: 'cinematic',
      ...(req.image ? { image: req.image } : {}),
      options: { seconds: 5 },
    };
    const path = '/runway/pro/generate';
    const body = obj(await t.json('POST', path, { ...opts, json }));
    if (!OK_CODES.has(body.code))
      throw bodyError(`POST ${path}`, { ...body, message: body.msg ?? body.message }, 400);
    return requireId(`POST ${path}`, body, firstStr(obj(body.data).task_id, body.task_id));
  },

  async fetch(t, id, opts) {
    const body = await getTask(t, 'POST', '/runway/feed', { ...opts, json: { task_id: id } });
    if (body === undefined) return undefined;
    const b = obj(body);
    const w = isObj(b.data) ? b.data : b;
    const inner = obj(w.data);
    const status = firstStr(w.status).toUpperCase();
    if (status === 'SUCCESS') {
      const url = firstStr(inner.video_url, obj(inner.video).url, w.video_url, inner.url);
      if (!url) return { state: 'failure', reason: 'no video in the answer' };
      return { state: 'success', videoUrl: url, coverUrl: firstStr(inner.poster, inner.image) || undefined };
    }
    if (status === 'FAILURE' || status === 'FAILED')
      return { state: 'failure', reason: firstStr(w.fail_reason, b.msg, b.message) || status };
    const queued = ['', 'NOT_START', 'SUBMITTED', 'QUEUED'].includes(status);
    return queued ? { state: 'queued' } : { state: 'running', progress: percent(w.progress) };
  },
};
