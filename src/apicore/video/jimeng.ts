import { BotError } from '../../errors.js';
import { bodyError, cleanMessage } from '../errors.js';
import { firstStr, getTask, obj, rawBase64, requireId, type VideoModule } from './shared.js';

const OK = 10000;
/** Business codes the gateway documents as moderation failures (catalogue §5.7). */
const MODERATION = new Set([50500, 50412, 50413]);

function check(endpoint: string, body: unknown): void {
  const b = obj(body);
  const code = Number(b.code ?? b.status ?? OK);
  if (code === OK) return;
  if (MODERATION.has(code)) {
    const upstreamMessage = cleanMessage(firstStr(b.message)) || `code ${code}`;
    throw new BotError('content_policy', `${endpoint} refused the prompt: ${upstreamMessage}`, {
      upstreamMessage,
      code,
      endpoint,
    });
  }
  throw bodyError(endpoint, body, 400);
}

/** `resp_data` is a JSON string; the video URL may be inside it. */
function fromRespData(v: unknown): string {
  if (typeof v !== 'string') return '';
  try {
    const r = obj(JSON.parse(v));
    return firstStr(r.video_url, obj(r.data).video_url);
  } catch {
    return '';
  }
}

/**
 * Jimeng video (catalogue §5.7; gateway: V-API): `POST /task/jimeng/{text2video|image2video}` →
 * `{code: 10000, data: {task_id}}`; poll `GET /task/{task_id}` until `data.status` is `done`.
 */
export const jimeng: VideoModule = {
  async submit(t, req, opts) {
    const kind = req.image ? 'image2video' : 'text2video';
    const image = req.image
      ? req.image.startsWith('data:')
        ? { binary_data_base64: [rawBase64(req.image)] }
        : { image_urls: [req.image] }
      : {};
    const json = { prompt: req.prompt, seed: -1, aspect_ratio: req.ratio ?? '16:9', ...image };
    const path = `/task/jimeng/${kind}`;
    const body = await t.json('POST', path, { ...opts, json });
    check(`POST ${path}`, body);
    return requireId(`POST ${path}`, body, firstStr(obj(obj(body).data).task_id));
  },

  async fetch(t, id, opts) {
    const path = `/task/${encodeURIComponent(id)}`;
    const body = await getTask(t, 'GET', path, opts);
    if (body === undefined) return undefined;
    const data = obj(obj(body).data);
    const status = firstStr(data.status).toLowerCase();
    if (status === 'not_found') return undefined;
    check(`GET ${path}`, body);
    if (status === 'done') {
      const url = firstStr(data.video_url) || fromRespData(data.resp_data);
      return url
        ? { state: 'success', videoUrl: url }
        : { state: 'failure', reason: 'no video in the answer' };
    }
    if (status === 'failed' || status === 'expired')
      return { state: 'failure', reason: firstStr(data.reason, obj(body).message) || status };
    return { state: status === 'generating' ? 'running' : 'queued' };
  },
};
