import type { VideoTask } from '../../core/video-models.js';
import { firstStr, getTask, isObj, obj, percent, requireId, type VideoModule } from './shared.js';

/**
 * Veo task form used against api.apicore.ai (catalogue §5.8; client code):
 * `POST /v1/video/generations` → `{code, message, data: "<task id>"}` (or `{id}` / `{task_id}`);
 * poll `GET /v1/video/generations/{id}` → a new-api task wrapper (`data.status`, `data.progress`,
 * `data.fail_reason`, the URL at `data.data.videoUrl`, `data.videoUrl` or `video_url`), or the
 * unified flat form (`status: completed`, `video_url`). An image needs a `-frames` model.
 */
export const veo: VideoModule = {
  async submit(t, req, opts) {
    const model = req.image && !/-frames/i.test(req.model) ? `${req.model}-frames` : req.model;
    const json = {
      model,
      prompt: req.prompt,
      enhance_prompt: true,
      aspect_ratio: req.ratio ?? '16:9',
      ...(req.image ? { images: [req.image] } : {}),
    };
    const path = '/v1/video/generations';
    const body = obj(await t.json('POST', path, { ...opts, json }));
    const data = body.data;
    const id =
      typeof data === 'string' ? data : firstStr(obj(data).task_id, obj(data).id, body.id, body.task_id);
    return requireId(`POST ${path}`, body, id);
  },

  async fetch(t, id, opts) {
    const body = await getTask(t, 'GET', `/v1/video/generations/${encodeURIComponent(id)}`, opts);
    if (body === undefined) return undefined;
    const b = obj(body);
    const w = isObj(b.data) && ('status' in b.data || 'task_id' in b.data) ? b.data : b;
    const inner = obj(w.data);
    const status = firstStr(w.status).toUpperCase();
    if (status === 'SUCCESS' || status === 'COMPLETED' || status === 'SUCCEEDED') {
      const url = firstStr(inner.videoUrl, inner.video_url, w.videoUrl, w.video_url, w.url, b.video_url);
      if (!url) return { state: 'failure', reason: 'no video in the answer' };
      const cover = firstStr(inner.coverUrl, inner.cover_url, w.cover_url) || undefined;
      return { state: 'success', videoUrl: url, coverUrl: cover };
    }
    if (status === 'FAILURE' || status === 'FAILED')
      return { state: 'failure', reason: firstStr(w.fail_reason, w.error, b.message) || status };
    const queued = ['', 'NOT_START', 'SUBMITTED', 'QUEUED', 'PENDING'].includes(status);
    const state: VideoTask['state'] = queued ? 'queued' : 'running';
    return { state, progress: percent(w.progress) };
  },
};
