import type {
  CallOptions,
  MjCallOptions,
  MjDimensions,
  MjImagine,
  MjModal,
  MjSwapFace,
  MjTask,
} from '../core/apicore.js';
import { BotError } from '../errors.js';
import { mjSubmitError } from './errors.js';
import { toMjTask } from './tasks.js';
import type { ApiCoreTransport } from './transport.js';

/** Submit codes that mean "accepted, poll `result`" (the gateway may rewrite 21/22 to 1). */
const MJ_ACCEPTED = new Set([1, 21, 22]);

/**
 * `/mj/…` with the speed the caller asked for: the gateway reads `/mj-fast`, `/mj-relax`,
 * `/mj-turbo` as a path prefix and strips it (catalogue §3.2); no speed → the key's default.
 */
function speedPath(path: string, opts: MjCallOptions): string {
  return opts.speed ? `/mj-${opts.speed}${path}` : path;
}

/** Drops the MJ-only option before handing the rest to the transport. */
function callOpts(opts: MjCallOptions): CallOptions {
  return opts.signal ? { signal: opts.signal } : {};
}

/** Midjourney (midjourney-proxy "plus" protocol under `/mj/...`): submits and task fetches. */
export class MidjourneyApi {
  readonly #t: ApiCoreTransport;

  constructor(transport: ApiCoreTransport) {
    this.#t = transport;
  }

  async #envelope(method: 'GET' | 'POST', path: string, json: unknown, opts: MjCallOptions) {
    const full = speedPath(path, opts);
    const body = (await this.#t.json(method, full, {
      ...callOpts(opts),
      ...(method === 'POST' ? { json } : { idempotent: true }),
    })) as Record<string, unknown> | null;
    const env = body && typeof body === 'object' ? body : {};
    const code = Number(env.code);
    const result = typeof env.result === 'string' || typeof env.result === 'number' ? String(env.result) : '';
    const description = typeof env.description === 'string' ? env.description : '';
    return { code, result, description, endpoint: `${method} ${full}` };
  }

  async #submit(path: string, json: unknown, opts: MjCallOptions): Promise<string> {
    const { code, result, description, endpoint } = await this.#envelope('POST', path, json, opts);
    if (MJ_ACCEPTED.has(code) && result) return result;
    throw mjSubmitError(endpoint, code, description);
  }

  mjImagine(req: MjImagine, opts: MjCallOptions = {}): Promise<string> {
    return this.#submit('/mj/submit/imagine', req, opts);
  }

  mjDescribe(imageDataUrl: string, opts: MjCallOptions = {}): Promise<string> {
    return this.#submit('/mj/submit/describe', { base64: imageDataUrl }, opts);
  }

  mjAction(taskId: string, customId: string, opts: MjCallOptions = {}): Promise<string> {
    return this.#submit('/mj/submit/action', { taskId, customId }, opts);
  }

  mjBlend(imageDataUrls: string[], dimensions: MjDimensions, opts: MjCallOptions = {}): Promise<string> {
    return this.#submit('/mj/submit/blend', { base64Array: imageDataUrls, dimensions }, opts);
  }

  /** Completes a task waiting in `MODAL` (Custom Zoom, Vary Region, Remix); poll the same id after. */
  mjModal(req: MjModal, opts: MjCallOptions = {}): Promise<string> {
    return this.#submit('/mj/submit/modal', req, opts);
  }

  /** Asks Midjourney for shorter versions of a prompt → a SHORTEN task id. */
  mjShorten(prompt: string, opts: MjCallOptions = {}): Promise<string> {
    return this.#submit('/mj/submit/shorten', { prompt }, opts);
  }

  /** Puts the face of `sourceBase64` onto `targetBase64` (InsightFace) → a SWAP_FACE task id. */
  mjSwapFace(req: MjSwapFace, opts: MjCallOptions = {}): Promise<string> {
    return this.#submit('/mj/insight-face/swap', req, opts);
  }

  /** The seed a finished task's image was made with (`--seed` reuses it). */
  async mjImageSeed(taskId: string, opts: MjCallOptions = {}): Promise<string> {
    const path = `/mj/task/${encodeURIComponent(taskId)}/image-seed`;
    const { code, result, description, endpoint } = await this.#envelope('GET', path, undefined, opts);
    if (code === 1 && result) return result;
    throw mjSubmitError(endpoint, code, description);
  }

  async mjFetch(taskId: string, opts: CallOptions = {}): Promise<MjTask> {
    const path = `/mj/task/${encodeURIComponent(taskId)}/fetch`;
    const body = await this.#t.json('GET', path, { ...opts, idempotent: true });
    if (!body || typeof body !== 'object')
      throw new BotError('not_found', `task ${taskId} not found`, { code: 'task_not_found' });
    return toMjTask(body);
  }

  async mjFetchMany(taskIds: string[], opts: CallOptions = {}): Promise<MjTask[]> {
    if (taskIds.length === 0) return [];
    const body = await this.#t.json('POST', '/mj/task/list-by-condition', {
      ...opts,
      json: { ids: taskIds },
      idempotent: true,
    });
    if (!Array.isArray(body))
      throw new BotError('protocol', 'POST /mj/task/list-by-condition did not answer a list');
    return body.map(toMjTask);
  }
}
