import { firstStr, getTask, obj, percent, requireId, unwrap, type VideoModule } from './shared.js';

const RATIOS: Record<string, number> = { '16:9': 16 / 9, '9:16': 9 / 16, '1:1': 1 };

/**
 * Pika (catalogue §5.5; gateway: gpt-best, openai-hk): `POST /pika/generate` → `{id}`; poll
 * `GET /pika/feed/{id}` until `videos[0].status` is `finished` (`resultUrl`) or `error`.
 * One request makes one video; the aspect ratio is a number and is left out with an image.
 */
export const pika: VideoModule = {
  async submit(t, req, opts) {
    const json = {
      promptText: req.prompt,
      model: /1\.5/.test(req.model) ? '1.5' : '2.0',
      pikaffect: '',
      ...(req.image ? { image: req.image } : {}),
      options: {
        ...(req.image ? {} : { aspectRatio: RATIOS[req.ratio ?? '16:9'] ?? 16 / 9 }),
        frameRate: 24,
        camera: {},
        parameters: { guidanceScale: 12, motion: 1, negativePrompt: '' },
        extend: false,
      },
    };
    const body = await t.json('POST', '/pika/generate', { ...opts, json });
    return requireId('POST /pika/generate', body, firstStr(unwrap(body, ['id', 'videos']).id));
  },

  async fetch(t, id, opts) {
    const body = await getTask(t, 'GET', `/pika/feed/${encodeURIComponent(id)}`, opts);
    if (body === undefined) return undefined;
    const feed = unwrap(body, ['id', 'videos']);
    const video = obj(Array.isArray(feed.videos) ? feed.videos[0] : undefined);
    const status = firstStr(video.status).toLowerCase();
    if (status === 'finished') {
      const url = firstStr(video.resultUrl);
      if (!url) return { state: 'failure', reason: 'no video in the answer' };
      return { state: 'success', videoUrl: url, coverUrl: firstStr(video.videoPoster) || undefined };
    }
    if (status === 'error' || status === 'failed')
      return { state: 'failure', reason: firstStr(video.error) || status };
    if (status === '' || status === 'queued' || status === 'pending') return { state: 'queued' };
    return { state: 'running', progress: percent(video.progress) };
  },
};
