import { isNonEmptyString, type JsonBody, json, type Route, type RouteContext } from './route.js';
import type { Scripted } from './types.js';

/**
 * Video task families (catalogue §0 and §5): each family's submit and poll endpoints with the
 * shapes its sources document. A task answers "queued" on its first poll, then "running" with a
 * growing progress for `polls - 1` more, then its result (or `fail`). Unknown tasks are a 404.
 */
export type VideoFakeFamily = 'vidu' | 'kling' | 'luma' | 'runway' | 'runway-pro' | 'veo' | 'jimeng' | 'pika';

export interface VideoFakeTask {
  id: string;
  family: VideoFakeFamily;
  /** Kling's path (text2video | image2video | video-extend); the submit kind elsewhere. */
  kind: string;
  submit: JsonBody;
  /** Polls answered so far. */
  polled: number;
  /** Polls answered before the result. */
  polls: number;
  fail: string | undefined;
  n: number;
}

export interface VideoFakeState {
  tasks: Map<string, VideoFakeTask>;
  /** Scripts for the NEXT submitted video tasks (FIFO): polls before the result, or a failure. */
  scripts: Array<{ polls?: number; fail?: string }>;
  seq: number;
}

const DEFAULT_POLLS = 3;
const states = new WeakMap<RouteContext, VideoFakeState>();

/** The video part of a fake gateway (`videoFake(fake).scripts.push(…)`, `.tasks`). */
export function videoFake(ctx: RouteContext): VideoFakeState {
  let s = states.get(ctx);
  if (!s) {
    s = { tasks: new Map(), scripts: [], seq: 0 };
    states.set(ctx, s);
  }
  return s;
}

/** The video file a finished task links to. */
export const videoFileUrl = (ctx: RouteContext, t: VideoFakeTask) =>
  `${ctx.url}/files/${t.family}-video-${t.n}.mp4`;
export const coverFileUrl = (ctx: RouteContext, t: VideoFakeTask) =>
  `${ctx.url}/files/${t.family}-cover-${t.n}.png`;

export function create(
  ctx: RouteContext,
  family: VideoFakeFamily,
  kind: string,
  submit: JsonBody,
): VideoFakeTask {
  const s = videoFake(ctx);
  const n = ++s.seq;
  const script = s.scripts.shift() ?? {};
  const hex = n.toString(16).padStart(8, '0');
  const id =
    family === 'luma' || family === 'runway'
      ? `${hex}-0000-4000-8000-00000000${hex.slice(-4)}`
      : family === 'kling'
        ? `8${String(n).padStart(17, '0')}`
        : `${family}-${n}`;
  const task: VideoFakeTask = {
    id,
    family,
    kind,
    submit,
    polled: 0,
    polls: script.polls ?? DEFAULT_POLLS,
    fail: script.fail,
    n,
  };
  s.tasks.set(id, task);
  return task;
}

/** One poll: 'queued' | 'running' (with 0–100) | 'done' | 'failed'; advances the task. */
export function step(t: VideoFakeTask): { at: 'queued' | 'running' | 'done' | 'failed'; progress: number } {
  const i = t.polled;
  t.polled = Math.min(t.polled + 1, t.polls);
  if (i >= t.polls) return { at: t.fail ? 'failed' : 'done', progress: 100 };
  if (i === 0) return { at: 'queued', progress: 0 };
  return { at: 'running', progress: Math.round((100 * i) / t.polls) };
}

export const notFound = (message: string): Scripted =>
  json({ code: 'task_not_exist', message, data: null }, 404);
export const find = (ctx: RouteContext, family: VideoFakeFamily, id: string | undefined) => {
  const t = videoFake(ctx).tasks.get(id ?? '');
  return t?.family === family ? t : undefined;
};
export const isDataUrl = (v: unknown) => typeof v === 'string' && v.startsWith('data:');
export const isImageRef = (v: unknown) => isNonEmptyString(v) && (/^https?:\/\//.test(v) || isDataUrl(v));
/** Kling and Jimeng take raw base64 or a URL, not a data URL. */
export const isRawOrUrl = (v: unknown) => isNonEmptyString(v) && !isDataUrl(v);
export const created = () => Math.floor(Date.now() / 1000);

/** Video routes answer validation failures in the relay's OpenAI-style envelope. */
export const route = (r: Omit<Route, 'family'>): Route => ({ family: 'openai', ...r });
