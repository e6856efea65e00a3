import { firstStr, getTask, obj, requireId, unwrap, type VideoModule } from './shared.js';

const KEYS = ['id', 'state'] as const;

/**
 * Luma (catalogue §5.2; gateway: apiai, yutoai, gpt-best, anyapi): `POST /luma/generations`
 * (`user_prompt`, an optional first frame as `image_url`), `POST /luma/generations/{id}/extend`,
 * poll `GET /luma/generations/{id}` until `completed` (`video.download_url`, else `video.url`).
 */
export const luma: VideoModule = {
  async submit(t, req, opts) {
    const path = req.extendOf
      ? `/luma/generations/${encodeURIComponent(req.extendOf)}/extend`
      : '/luma/generations';
    const json = {
      user_prompt: req.prompt,
      expand_prompt: true,
      ...(req.extendOf ? {} : { aspect_ratio: req.ratio ?? '16:9' }),
      ...(req.image ? { image_url: req.image } : {}),
      ...(/^ray-v\d/i.test(req.model) && !req.extendOf ? { model_name: req.model.toLowerCase() } : {}),
    };
    const body = await t.json('POST', path, { ...opts, json });
    return requireId(`POST ${path}`, body, firstStr(unwrap(body, KEYS).id));
  },

  async fetch(t, id, opts) {
    const body = await getTask(t, 'GET', `/luma/generations/${encodeURIComponent(id)}`, opts);
    if (body === undefined) return undefined;
    const g = unwrap(body, KEYS);
    const state = firstStr(g.state).toLowerCase();
    if (state === 'completed') {
      const video = obj(g.video);
      const url = firstStr(video.download_url, video.url, obj(g.video_raw).url);
      if (!url) return { state: 'failure', reason: 'no video in the answer' };
      const cover = firstStr(obj(g.thumbnail).url, video.thumbnail) || undefined;
      return { state: 'success', videoUrl: url, coverUrl: cover, extendId: firstStr(g.id) || id };
    }
    if (state === 'failed') return { state: 'failure', reason: firstStr(g.failure_reason, g.error) || state };
    return { state: state === 'processing' || state === 'dreaming' ? 'running' : 'queued' };
  },
};
