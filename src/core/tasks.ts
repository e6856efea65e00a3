import type { CommandButton } from './command.js';
import type { Lang } from './i18n.js';
import type { ChatRef, MediaKind, MessageRef, UserRef } from './platform.js';

/**
 * Which upstream family polls a task: `mj` and `suno` in batches, `suno-act` (a clip's WAV, MP4 or
 * timed lyrics, asked again each tick until ready) and `udio` one by one. `video` streams through
 * chat and is recorded, not polled; `video-task` is every task-format video family (Kling, Luma,
 * Runway, Veo, Vidu, Jimeng, Pika), its upstream id a reference `${family}:…` (core/video-models.ts);
 * `image-task` is every task-format image family (Kling images), its upstream id an
 * `imageTaskRef`.
 */
export type TaskKind = 'mj' | 'suno' | 'suno-act' | 'udio' | 'video' | 'video-task' | 'image-task';

/** Image families whose results come as a polled task (catalogue §4.8: Kling images). */
export type ImageTaskFamily = 'kling';
const IMAGE_TASK_FAMILIES: readonly ImageTaskFamily[] = ['kling'];

/**
 * The upstream id of an `image-task`: `${family}:${taskId}`, so the one polled kind knows which
 * family's endpoint to ask (a new family is one entry in the image-task family's provider table).
 */
export function imageTaskRef(family: ImageTaskFamily, taskId: string): string {
  return `${family}:${taskId}`;
}

/** Reads an `image-task` upstream id back; undefined when it names no image family. */
export function parseImageTaskRef(ref: string): { family: ImageTaskFamily; taskId: string } | undefined {
  const at = ref.indexOf(':');
  const family = IMAGE_TASK_FAMILIES.find((f) => f === ref.slice(0, at));
  const taskId = ref.slice(at + 1);
  return at > 0 && family && taskId ? { family, taskId } : undefined;
}

/**
 * What the task's result is for, which decides how it is delivered. Songs: `song` (a new one, Suno
 * or Udio), `extend` (the continuation of a clip; also of an uploaded one, `upload`), `concat` (the
 * full song), `cover`, `infill` (a replaced section), `persona` (a song in a clip's voice),
 * `stems`; the `suno-act` kind: `wav`, `video` (the MP4), `timing` (an .lrc). Images: `draw` (a
 * `/draw` whose model answers with a task, e.g. Kling).
 */
export type TaskPurpose =
  | 'imagine'
  | 'draw'
  | 'action'
  | 'describe'
  | 'blend'
  | 'song'
  | 'lyrics'
  | 'video'
  | 'extend'
  | 'upload'
  | 'concat'
  | 'cover'
  | 'infill'
  | 'persona'
  | 'stems'
  | 'wav'
  | 'timing';

/** What a `suno-act` task asks of a clip. */
export type SunoActKind = 'wav' | 'mp4' | 'timing';

/**
 * The upstream id of a `suno-act` task: `${act}:${clipId}:${nonce}`. The act endpoints have no task
 * id of their own, so the nonce (any short string unique to this press: the status message's id, a
 * timestamp) keeps two presses on one clip two tasks, each delivered to its own chat.
 */
export function sunoActId(act: SunoActKind, clipId: string, nonce: string): string {
  return `${act}:${clipId}:${nonce}`;
}

/** Reads a `suno-act` upstream id (`${act}:${clipId}` with or without a nonce). */
export function parseSunoActId(upstreamId: string): { act: SunoActKind; clipId: string } | undefined {
  const [act, clipId] = upstreamId.split(':');
  if ((act !== 'wav' && act !== 'mp4' && act !== 'timing') || !clipId) return undefined;
  return { act, clipId };
}

/**
 * `pending`: upstream still working. `delivering`: upstream finished, its parts are being sent.
 * The last three are final.
 */
export type TaskState = 'pending' | 'delivering' | 'done' | 'failed' | 'expired';

/** One piece of a finished result, sent as one message: an image, one clip, the four prompts. */
export interface ResultPart {
  /** Unique within the task: 'image', a clip id, 'prompts', 'lyrics'. */
  id: string;
  /** The message text (or caption, cut to the platform's caption limit when a file goes with it). */
  text: string;
  /**
   * A file to attach, downloaded just before its send slot; its link is posted when it cannot be.
   * A file the bot made itself (an .lrc) carries its bytes in `data` instead and is not downloaded.
   */
  file?: {
    /** Where to download it; absent for generated files (`data`). */
    url?: string;
    /** The whole file, inline: UTF-8 text, or base64 when `base64` is true. Kept small (a few KB). */
    data?: string;
    base64?: boolean;
    mime?: string;
    kind: MediaKind;
    name: string;
    title?: string;
    performer?: string;
    durationSeconds?: number;
    thumbnailUrl?: string;
  };
  buttons?: CommandButton[][];
}

/** How a finished record ended, decided by the poll tick and shown by the close job. */
export interface TaskOutcome {
  state: 'done' | 'failed' | 'expired';
  /** The final status text; for `done` the close job composes it from what was delivered. */
  text?: string;
}

/** A submitted upstream task, written to the store before the user is told it was accepted. */
export interface TaskRecord {
  /** `${kind}:${upstreamId}`. */
  id: string;
  kind: TaskKind;
  purpose: TaskPurpose;
  upstreamId: string;
  platform: string;
  chat: ChatRef;
  requester: UserRef;
  lang: Lang;
  statusMessage: MessageRef;
  /** The requester's message, so results can reply to it. */
  replyTo: string | undefined;
  submittedAt: number;
  deadline: number;
  state: TaskState;
  /** The status text the chat should show now (the status job brings the message up to it). */
  wantedStatus: string;
  /** The result's parts, fixed when the upstream reported success. */
  parts: ResultPart[];
  /** Set when the task is settled but its status message is not yet final. */
  outcome: TaskOutcome | undefined;
  /** Consecutive polls the upstream did not know the task (a lost task is reported after a few). */
  misses: number;
  /** The instance streaming a video (video is not polled; a dead owner means it was cut). */
  owner: string | undefined;
  /**
   * Command-specific details: prompt, title. Songs: `by` (the requester named on
   * the results, kept on everything derived from a clip), `pressedBy` (who pressed the button, when
   * someone else), `mv` (the model), `title`, `tags`, `dur` (seconds, for act results).
   */
  meta: Record<string, string>;
}

export interface TaskSubmission {
  kind: TaskKind;
  purpose: TaskPurpose;
  upstreamId: string;
  statusMessage: MessageRef;
  meta?: Record<string, string>;
}

/** Handed to commands through their context; implemented in src/tasks. */
export interface TaskTracker {
  /** Records a submitted task (durably) and lets the poller take it from there. */
  track(
    submission: TaskSubmission,
    who: { chat: ChatRef; user: UserRef; lang: Lang; replyTo: string | undefined },
  ): Promise<TaskRecord>;
  /** Marks a task finished by its command (a streamed video that completed in-process). */
  finish(id: string, state: 'done' | 'failed'): Promise<void>;
}

// ---------- where ticks and jobs run ----------

/** A step of a task that touches a chat, run by a process that has the task's platform. */
export type TaskJob =
  | { type: 'status'; taskId: string }
  | { type: 'part'; taskId: string; part: string }
  | { type: 'close'; taskId: string };

export interface JobAttempt {
  /** 1 for the first run. */
  attempt: number;
  /** No retry follows this attempt: the job must settle (e.g. post a link) instead of throwing. */
  final: boolean;
}

/**
 * Where poll ticks and chat jobs run: in this process (SQLite, memory) or across every process on
 * one Redis (BullMQ). Jobs are keyed: adding a job whose id is waiting, delayed or running is a
 * no-op, so the tick may re-add what it finds unfinished without doubling anything.
 */
export interface TaskQueue {
  /** Runs `run` about every `intervalMs`, on one instance cluster-wide for each name. */
  every(name: string, intervalMs: number, run: () => Promise<void>): void;
  /** Queues a job on a lane (a platform name) unless one with the same id is queued or running. */
  add(lane: string, id: string, job: TaskJob): Promise<void>;
  /**
   * Takes this lane's jobs in this process, at most `concurrency` at once. A job that throws is
   * retried with backoff; its last attempt is told so (`final`).
   */
  work(lane: string, concurrency: number, run: (job: TaskJob, attempt: JobAttempt) => Promise<void>): void;
  start(): Promise<void>;
  /** Stops taking ticks and jobs; jobs running now finish first. */
  stop(): Promise<void>;
}
