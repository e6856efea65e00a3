import type { CallOptions, SunoTask, UdioMusic } from '../core/apicore.js';
import { bodyError } from './errors.js';
import { submitTask } from './suno.js';
import { toUdioTask } from './tasks.js';
import type { ApiCoreTransport } from './transport.js';

/**
 * Udio (`/udio/...`, catalogue §2: shapes from the sister gateways APICore copies). Results come
 * back in the Suno task shape so the song delivery is shared.
 */
export class UdioApi {
  readonly #t: ApiCoreTransport;

  constructor(transport: ApiCoreTransport) {
    this.#t = transport;
  }

  /** `lyrics_type` defaults to 'user' when lyrics are given, else 'generate'; `model_type` to udio32-v1.5. */
  udioMusic(req: UdioMusic, opts: CallOptions = {}): Promise<string> {
    const genParams = {
      ...req,
      lyrics: req.lyrics ?? '',
      lyrics_type: req.lyrics_type ?? (req.lyrics?.trim() ? 'user' : 'generate'),
      model_type: req.model_type ?? 'udio32-v1.5',
      config: { mode: 'regular' },
    };
    return submitTask(this.#t, '/udio/submit/music', { gen_params: genParams }, opts);
  }

  async udioFetch(taskId: string, opts: CallOptions = {}): Promise<SunoTask> {
    const path = `/udio/fetch/${encodeURIComponent(taskId)}`;
    const body = (await this.#t.json('GET', path, { ...opts, idempotent: true })) as Record<string, unknown>;
    if (body.code !== 'success' || !body.data) throw bodyError(`GET ${path}`, body, 404);
    return toUdioTask(body.data);
  }
}
