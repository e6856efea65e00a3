import type { CallOptions } from '../../core/apicore.js';
import type { VideoTask } from '../../core/video-models.js';
import { bodyError } from '../errors.js';
import type { ApiCoreTransport } from '../transport.js';
import { firstStr, getTask, obj, rawBase64, requireId, unwrap, type VideoModule } from './shared.js';

const TASK_KEYS = ['task_id', 'task_status', 'status'] as const;
const NOT_FOUND = /not.?(found|exist)|不存在/i;

/** Kling answers `{code: 0, message, request_id, data}`; any other code is a refusal. */
function checkCode(endpoint: string, body: unknown): void {
  const b = obj(body);
  if (b.code === undefined || b.code === 0 || b.code === '0' || b.code === 'success') return;
  throw bodyError(endpoint, body, 400);
}

async function post(t: ApiCoreTransport, path: string, json: unknown, opts: CallOptions): Promise<string> {
  const endpoint = `POST ${path}`;
  const body = await t.json('POST', path, { ...opts, json });
  checkCode(endpoint, body);
  return requireId(endpoint, body, firstStr(unwrap(body, TASK_KEYS).task_id, unwrap(body, TASK_KEYS).id));
}

/**
 * Kling official format (catalogue §5.4; gateway: aimanyi, apiai, CometAPI): text2video,
 * image2video (raw base64 or URL) and video-extend (a finished video's id); each is queried on its
 * own path. The official envelope (`data.task_status`, `task_result.videos[]`) and the new-api
 * unified one (`status`, `url`) are both read.
 */
export const kling: VideoModule = {
  async submit(t, req, opts) {
    if (req.extendOf) {
      const json = { video_id: req.extendOf, ...(req.prompt ? { prompt: req.prompt } : {}) };
      return `video-extend:${await post(t, '/kling/v1/videos/video-extend', json, opts)}`;
    }
    const common = { model_name: req.model, prompt: req.prompt, mode: 'std', duration: '5' };
    if (req.image) {
      const json = { ...common, image: rawBase64(req.image) };
      return `image2video:${await post(t, '/kling/v1/videos/image2video', json, opts)}`;
    }
    const json = { ...common, aspect_ratio: req.ratio ?? '16:9' };
    return `text2video:${await post(t, '/kling/v1/videos/text2video', json, opts)}`;
  },

  async fetch(t, ref, opts) {
    const at = ref.indexOf(':');
    const [kind, id] = at > 0 ? [ref.slice(0, at), ref.slice(at + 1)] : ['text2video', ref];
    const path = `/kling/v1/videos/${kind}/${encodeURIComponent(id)}`;
    const body = await getTask(t, 'GET', path, opts);
    if (body === undefined) return undefined;
    const b = obj(body);
    if (b.code !== undefined && b.code !== 0 && b.code !== '0') {
      if (NOT_FOUND.test(firstStr(b.message))) return undefined;
      checkCode(`GET ${path}`, body);
    }
    const task = unwrap(body, TASK_KEYS);
    const status = firstStr(task.task_status, task.status).toLowerCase();
    if (status === 'succeed' || status === 'success' || status === 'succeeded' || status === 'completed') {
      const video = obj(
        Array.isArray(obj(task.task_result).videos)
          ? (obj(task.task_result).videos as unknown[])[0]
          : undefined,
      );
      const url = firstStr(video.url, task.url);
      if (!url) return { state: 'failure', reason: 'no video in the answer' };
      return { state: 'success', videoUrl: url, extendId: firstStr(video.id) || undefined };
    }
    if (status === 'failed' || status === 'failure')
      return {
        state: 'failure',
        reason: firstStr(task.task_status_msg, task.fail_reason, task.error) || status,
      };
    const state: VideoTask['state'] =
      status === 'submitted' || status === 'queued' || !status ? 'queued' : 'running';
    return { state };
  },
};
