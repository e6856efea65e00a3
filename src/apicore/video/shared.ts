import type { CallOptions } from '../../core/apicore.js';
import type { VideoSubmit, VideoTask } from '../../core/video-models.js';
import { BotError } from '../../errors.js';
import { bodyError } from '../errors.js';
import type { ApiCoreTransport } from '../transport.js';

/** One video family's calls: submit → the path part of its task reference; fetch → its state. */
export interface VideoModule {
  submit(t: ApiCoreTransport, req: VideoSubmit, opts: CallOptions): Promise<string>;
  /** Undefined when the gateway does not know the task (404, task_not_exist). */
  fetch(t: ApiCoreTransport, path: string, opts: CallOptions): Promise<VideoTask | undefined>;
}

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const obj = (v: unknown): Obj => (isObj(v) ? v : {});
export const str = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';

/** The first non-empty string among `values`. */
export function firstStr(...values: unknown[]): string {
  for (const v of values) {
    const s = str(v);
    if (s) return s;
  }
  return '';
}

/**
 * Many relays wrap a provider's object (`{code, message, data:{…}}`), others pass it through:
 * returns the inner object when `data` holds one that has one of `keys`, else the body itself.
 */
export function unwrap(body: unknown, keys: readonly string[]): Obj {
  const b = obj(body);
  const inner = b.data;
  if (isObj(inner) && keys.some((k) => k in inner)) return inner;
  return b;
}

/** '45%', 45, 0.45 (a fraction when ≤ 1 and not an integer) → 0–100. */
export function percent(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number.parseFloat(v) : typeof v === 'number' ? v : Number.NaN;
  if (!Number.isFinite(n)) return undefined;
  const p = n > 0 && n < 1 ? n * 100 : n;
  return Math.max(0, Math.min(100, Math.round(p)));
}

/** The raw base64 of a data URL (Kling, Jimeng want no `data:` prefix); URLs pass unchanged. */
export function rawBase64(image: string): string {
  const m = /^data:[^;,]+;base64,(.*)$/s.exec(image);
  return m ? m[1]! : image;
}

/** A GET of a task: undefined when the gateway says it does not know it. */
export async function getTask(
  t: ApiCoreTransport,
  method: 'GET' | 'POST',
  path: string,
  opts: CallOptions & { json?: unknown; headers?: Record<string, string> },
): Promise<unknown> {
  try {
    return await t.json(method, path, { ...opts, idempotent: true });
  } catch (error) {
    if (error instanceof BotError && error.kind === 'not_found') return undefined;
    throw error;
  }
}

/** Accepts a submit answer only when it carries an id; else the gateway's words as the error. */
export function requireId(endpoint: string, body: unknown, id: string): string {
  if (id) return id;
  throw bodyError(endpoint, body, 400);
}
