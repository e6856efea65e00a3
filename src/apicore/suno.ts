import type {
  CallOptions,
  SunoActKind,
  SunoActResult,
  SunoAlignedWord,
  SunoMusic,
  SunoPersonaRequest,
  SunoTask,
} from '../core/apicore.js';
import { BotError } from '../errors.js';
import { bodyError } from './errors.js';
import { toSunoTask } from './tasks.js';
import type { ApiCoreTransport } from './transport.js';

const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const isUrl = (v: unknown): v is string => typeof v === 'string' && /^https?:\/\/\S+$/i.test(v);
const idOf = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined;

/** Words the gateway uses for "the clip (or its file) is not ready yet": ask again later. */
const NOT_READY =
  /not[\s_-]*(complete|ready|finished)|未完成|生成中|processing|in[\s_-]*progress|pending|queued/i;

/**
 * A `{code:'success', data:'<id>'}` submit answer → the id. `data` may also be `{id}` / `{task_id}`
 * (seen on sister gateways for uploads). A raw Suno `{clips:[…]}` answer (some sisters relay the
 * upstream's own reply for task submits) carries no task id we could poll, so it is refused as an
 * unexpected answer rather than guessed at.
 */
export async function submitTask(
  t: ApiCoreTransport,
  path: string,
  json: unknown,
  opts: CallOptions,
): Promise<string> {
  const endpoint = `POST ${path}`;
  const body = obj(await t.json('POST', path, { ...opts, json }));
  if (Array.isArray(body.clips)) {
    throw new BotError(
      'protocol',
      `${endpoint} answered raw clips instead of a task id (unexpected answer)`,
      {
        endpoint,
      },
    );
  }
  const data = obj(body.data);
  const id = idOf(body.data) ?? idOf(data.task_id) ?? idOf(data.id) ?? idOf(data.clip_id);
  if (body.code !== 'success' || id === undefined) {
    throw bodyError(endpoint, { error: { message: body.message || 'task refused', code: body.code } }, 400);
  }
  return id;
}

function toWord(raw: unknown): SunoAlignedWord {
  const w = obj(raw);
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number(v) || 0);
  return {
    word: typeof w.word === 'string' ? w.word : '',
    start_s: num(w.start_s),
    end_s: num(w.end_s),
    success: w.success !== false,
    p_align: num(w.p_align),
  };
}

/**
 * An act answer → its result. Shapes differ between gateways (catalogue §1.7), so every documented
 * variant is read: bare `{wav_file_url}`, wrapped `{code, data:{wav_file_url}}`, or `{code, data:'<x>'}`
 * where x is a URL (ready) or a uuid (the conversion was started: pending); mp4 also as `mp4`/`video_url`;
 * timing as raw `{aligned_words}` or wrapped `{data:{aligned_words}}`.
 */
export function toActResult(kind: SunoActKind, endpoint: string, raw: unknown): SunoActResult {
  const body = obj(raw);
  const data = obj(body.data);
  if (body.code !== undefined && body.code !== 'success' && body.code !== 200 && body.code !== 0) {
    const message = typeof body.message === 'string' ? body.message : '';
    if (NOT_READY.test(message) || NOT_READY.test(String(body.code))) return { state: 'pending' };
    throw bodyError(endpoint, { error: { message: message || 'refused', code: body.code } }, 400);
  }
  if (kind === 'timing') {
    const words = Array.isArray(body.aligned_words)
      ? body.aligned_words
      : Array.isArray(data.aligned_words)
        ? data.aligned_words
        : undefined;
    return words ? { state: 'ready', words: words.map(toWord) } : { state: 'pending' };
  }
  const candidates =
    kind === 'wav'
      ? [body.wav_file_url, data.wav_file_url, body.data]
      : [body.mp4_file_url, data.mp4_file_url, body.mp4, data.mp4, body.video_url, data.video_url, body.data];
  const url = candidates.find(isUrl);
  return url ? { state: 'ready', url } : { state: 'pending' };
}

/** Suno task API (`/suno/...`, `{code, message, data}` envelopes): submits, fetches, uploads, acts. */
export class SunoApi {
  readonly #t: ApiCoreTransport;

  constructor(transport: ApiCoreTransport) {
    this.#t = transport;
  }

  /** Every `task` variant goes through the same route; the body is sent as given (wire names). */
  sunoMusic(req: SunoMusic, opts: CallOptions = {}): Promise<string> {
    return submitTask(this.#t, '/suno/submit/music', req, opts);
  }

  sunoLyrics(prompt: string, opts: CallOptions = {}): Promise<string> {
    return submitTask(this.#t, '/suno/submit/lyrics', { prompt }, opts);
  }

  /** `is_infill`: true after a Replace section (infill) result, false after an extension. */
  sunoConcat(clipId: string, isInfill: boolean, opts: CallOptions = {}): Promise<string> {
    return submitTask(this.#t, '/suno/submit/concat', { clip_id: clipId, is_infill: isInfill }, opts);
  }

  /** The gateway downloads `url` itself: it must be public (never a URL carrying a bot token). */
  sunoUploadUrl(url: string, opts: CallOptions = {}): Promise<string> {
    return submitTask(this.#t, '/suno/uploads/audio-url', { url }, opts);
  }

  /**
   * `POST /suno/persona/create/` answers the raw persona object `{id, name, …}` (catalogue §1.8);
   * a wrapped `{code:'success', data:{id}}` or `data:'<id>'` is accepted too.
   */
  async sunoPersona(req: SunoPersonaRequest, opts: CallOptions = {}): Promise<string> {
    const path = '/suno/persona/create/';
    const endpoint = `POST ${path}`;
    const body = obj(
      await this.#t.json('POST', path, {
        ...opts,
        json: {
          root_clip_id: req.rootClipId,
          name: req.name,
          description: req.description,
          clips: req.clipIds,
          is_public: false,
        },
      }),
    );
    const refused = body.code !== undefined && body.code !== 'success';
    const id = refused ? undefined : (idOf(body.id) ?? idOf(obj(body.data).id) ?? idOf(body.data));
    if (id === undefined) {
      throw bodyError(
        endpoint,
        { error: { message: body.message || 'persona refused', code: body.code } },
        400,
      );
    }
    return id;
  }

  /**
   * `GET /suno/act/{wav|mp4|timing}/{clip}`. "Not ready" in any of its forms (no URL yet, a uuid,
   * a refusal saying the clip is not complete) is `{state:'pending'}`; other refusals throw.
   */
  async sunoAct(kind: SunoActKind, clipId: string, opts: CallOptions = {}): Promise<SunoActResult> {
    const path = `/suno/act/${kind}/${encodeURIComponent(clipId)}`;
    const endpoint = `GET ${path}`;
    let raw: unknown;
    try {
      raw = await this.#t.json('GET', path, { ...opts, idempotent: true });
    } catch (error) {
      if (
        error instanceof BotError &&
        error.kind === 'bad_request' &&
        (NOT_READY.test(error.upstreamMessage ?? '') || NOT_READY.test(String(error.code ?? '')))
      ) {
        return { state: 'pending' };
      }
      throw error;
    }
    return toActResult(kind, endpoint, raw);
  }

  async sunoFetch(taskId: string, opts: CallOptions = {}): Promise<SunoTask> {
    const path = `/suno/fetch/${encodeURIComponent(taskId)}`;
    const body = (await this.#t.json('GET', path, { ...opts, idempotent: true })) as Record<string, unknown>;
    if (body.code !== 'success' || !body.data) throw bodyError(`GET ${path}`, body, 404);
    return toSunoTask(body.data);
  }

  async sunoFetchMany(taskIds: string[], opts: CallOptions = {}): Promise<SunoTask[]> {
    if (taskIds.length === 0) return [];
    const body = (await this.#t.json('POST', '/suno/fetch', {
      ...opts,
      json: { ids: taskIds },
      idempotent: true,
    })) as Record<string, unknown>;
    if (body.code !== 'success' || !Array.isArray(body.data)) throw bodyError('POST /suno/fetch', body, 500);
    return body.data.map(toSunoTask);
  }
}
