import type { CallOptions, KlingImageRequest, KlingImageTask } from '../../core/apicore.js';
import { parseDataUrl } from '../../core/media.js';
import { BotError } from '../../errors.js';
import { bodyError } from '../errors.js';
import type { ApiCoreTransport } from '../transport.js';

const PATH = '/kling/v1/images/generations';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (...vs: unknown[]): string => {
  for (const v of vs) if ((typeof v === 'string' && v) || typeof v === 'number') return String(v);
  return '';
};

/** Kling answers `{code: 0, message, request_id, data}`; any other code is a refusal. */
function checkCode(endpoint: string, body: unknown): void {
  const code = obj(body).code;
  if (code === undefined || code === 0 || code === '0' || code === 'success') return;
  throw bodyError(endpoint, body, 400);
}

/**
 * Kling images (catalogue §4.8; gateway: kapon query paths, CometAPI callback shape; body fields
 * from Kling official): `model_name`, `prompt`, `image` (raw base64 or URL), `aspect_ratio`, `n`.
 */
export async function klingImageSubmit(
  t: ApiCoreTransport,
  req: KlingImageRequest,
  opts: CallOptions,
): Promise<string> {
  const endpoint = `POST ${PATH}`;
  const image = req.image ? (parseDataUrl(req.image)?.base64 ?? req.image) : undefined;
  const json = {
    model_name: req.model,
    prompt: req.prompt,
    ...(image ? { image } : {}),
    ...(req.aspectRatio ? { aspect_ratio: req.aspectRatio } : {}),
    n: req.n ?? 1,
  };
  const body = await t.json('POST', PATH, { ...opts, json });
  checkCode(endpoint, body);
  const data = obj(obj(body).data);
  const id = str(data.task_id, obj(body).task_id, data.id);
  if (!id) throw new BotError('protocol', `${endpoint} answered without a task id`, { endpoint });
  return id;
}

/** Reads the official envelope (`data.task_status`, `task_result.images[{index,url}]`). */
export async function klingImageFetch(
  t: ApiCoreTransport,
  taskId: string,
  opts: CallOptions,
): Promise<KlingImageTask> {
  const path = `${PATH}/${encodeURIComponent(taskId)}`;
  const body = await t.json('GET', path, { ...opts, idempotent: true });
  checkCode(`GET ${path}`, body);
  const data = obj(obj(body).data);
  const status = str(data.task_status, data.status).toLowerCase();
  if (['succeed', 'success', 'succeeded', 'completed'].includes(status)) {
    const images = obj(data.task_result).images;
    const urls = (Array.isArray(images) ? images : []).map((i) => str(obj(i).url)).filter(Boolean);
    return urls.length > 0
      ? { state: 'success', urls }
      : { state: 'failure', urls: [], reason: 'no image in the answer' };
  }
  if (status === 'failed' || status === 'failure')
    return { state: 'failure', urls: [], reason: str(data.task_status_msg, data.fail_reason) || status };
  return { state: status === 'submitted' || !status ? 'queued' : 'running', urls: [] };
}
