import { BotError } from '../../errors.js';
import { firstStr, getTask, percent, requireId, unwrap, type VideoModule } from './shared.js';

const KEYS = ['id', 'status'] as const;

/**
 * The API version Runway's official endpoints require on every request (catalogue §5.3: header
 * `X-Runway-Version: 2024-11-06`, "required" per CometAPI).
 */
export const RUNWAY_API_VERSION = '2024-11-06';
const VERSION_HEADERS = { 'X-Runway-Version': RUNWAY_API_VERSION };

/** Runway's pixel ratios per aspect (catalogue §5.3: gen3a 1280:768 / 768:1280; gen4 adds 960:960). */
function ratio(model: string, aspect: string | undefined): string {
  const gen4 = /^gen4/i.test(model);
  if (aspect === '9:16') return gen4 ? '720:1280' : '768:1280';
  if (aspect === '1:1' && gen4) return '960:960';
  return gen4 ? '1280:720' : '1280:768';
}

/**
 * Runway official (catalogue §5.3; gateway: crazyrouter, CometAPI): image to video only,
 * `POST /runwayml/v1/image_to_video` → `{id}`; poll `GET /runwayml/v1/tasks/{id}` until
 * `SUCCEEDED` (`output[0]`) or `FAILED`. A first poll may answer `task_not_exist` (a miss). Both
 * calls carry `X-Runway-Version`.
 */
export const runway: VideoModule = {
  async submit(t, req, opts) {
    if (!req.image)
      throw new BotError('bad_request', 'Runway makes videos from an image only', { code: 'image_required' });
    const json = {
      promptImage: req.image,
      model: req.model.toLowerCase(),
      ...(req.prompt ? { promptText: req.prompt } : {}),
      duration: 5,
      ratio: ratio(req.model, req.ratio),
    };
    const path = '/runwayml/v1/image_to_video';
    const body = await t.json('POST', path, { ...opts, json, headers: VERSION_HEADERS });
    return requireId(`POST ${path}`, body, firstStr(unwrap(body, KEYS).id, unwrap(body, KEYS).task_id));
  },

  async fetch(t, id, opts) {
    const body = await getTask(t, 'GET', `/runwayml/v1/tasks/${encodeURIComponent(id)}`, {
      ...opts,
      headers: VERSION_HEADERS,
    });
    if (body === undefined) return undefined;
    const task = unwrap(body, KEYS);
    const status = firstStr(task.status).toUpperCase();
    if (status === 'SUCCEEDED') {
      const url = firstStr(Array.isArray(task.output) ? task.output[0] : task.output);
      if (!url) return { state: 'failure', reason: 'no video in the answer' };
      return { state: 'success', videoUrl: url };
    }
    if (status === 'FAILED' || status === 'CANCELLED')
      return { state: 'failure', reason: firstStr(task.failure, task.failureCode) || status };
    if (status === 'RUNNING') return { state: 'running', progress: percent(task.progress) };
    return { state: 'queued' };
  },
};
