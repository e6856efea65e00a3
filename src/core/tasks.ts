import type { Lang } from './i18n.js';
import type { ChatRef, MessageRef, UserRef } from './platform.js';

/** Which batch endpoint polls a task. Video streams through chat and is recorded, not polled. */
export type TaskKind = 'mj' | 'suno' | 'video';

/** What the task's result is for, which decides how it is delivered. */
export type TaskPurpose = 'imagine' | 'action' | 'describe' | 'blend' | 'song' | 'lyrics' | 'video';

export type TaskState = 'pending' | 'delivering' | 'done' | 'failed' | 'expired';

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
  /** The status text last shown, so an unchanged status is never sent again. */
  shownStatus: string;
  /** Result parts already sent (clip ids, 'image'), and the one being sent when a crash came. */
  delivered: string[];
  sending: string | undefined;
  /** Command-specific details: prompt, title. */
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
