import type { VideoTask } from '../../core/video-models.js';
import { firstStr, getTask, obj, requireId, unwrap, type VideoModule } from './shared.js';

const TASK_KEYS = ['id', 'state', 'creations'] as const;

/**
 * Vidu task format (catalogue §5.1; gateway: gpt-best, upstream code): `POST /vidu/v1/tasks`
 * with text (and, for img2video, the first frame as an image prompt); poll `GET /vidu/v1/tasks/{id}`
 * until `state` is `success` (`creations[0].uri`) or `failed` (`err_code`).
 */
export const vidu: VideoModule = {
  async submit(t, req, opts) {
    const prompts: Array<{ type: 'text' | 'image'; content: string; enhance: boolean }> = [
      { type: 'text', content: req.prompt, enhance: true },
    ];
    if (req.image) prompts.push({ type: 'image', content: req.image, enhance: true });
    const json = {
      type: req.image ? 'img2video' : 'text2video',
      input: { prompts },
      settings: {
        style: 'general',
        aspect_ratio: req.ratio ?? '16:9',
        duration: 4,
        model: /stable$/i.test(req.model) ? 'stable' : 'vidu-1',
      },
    };
    const body = await t.json('POST', '/vidu/v1/tasks', { ...opts, json });
    return requireId('POST /vidu/v1/tasks', body, firstStr(unwrap(body, TASK_KEYS).id));
  },

  async fetch(t, id, opts) {
    const body = await getTask(t, 'GET', `/vidu/v1/tasks/${encodeURIComponent(id)}`, opts);
    if (body === undefined) return undefined;
    const task = unwrap(body, TASK_KEYS);
    const state = firstStr(task.state).toLowerCase();
    if (state === 'success') {
      const creation = obj(Array.isArray(task.creations) ? task.creations[0] : undefined);
      const url = firstStr(creation.uri, creation.url);
      if (!url) return { state: 'failure', reason: 'no video in the answer' };
      return { state: 'success', videoUrl: url, coverUrl: firstStr(creation.cover_uri) || undefined };
    }
    if (state === 'failed' || state === 'failure' || state === 'error')
      return { state: 'failure', reason: firstStr(task.err_code, task.message) || state };
    const running: VideoTask['state'] = state === 'queueing' || state === '' ? 'queued' : 'running';
    return { state: running };
  },
};
