import type { Logger } from 'pino';
import { t } from '../core/i18n.js';
import type { JobAttempt, TaskJob, TaskQueue, TaskRecord } from '../core/tasks.js';
import { type ChatAccess, deliverPart } from './deliver.js';
import { FAMILIES } from './families/index.js';
import { isOpen, type TaskStore } from './task-store.js';
import { T } from './texts.js';

/** Job ids: one status job, one job per part and one close job per task can be queued at a time. */
export const jobIds = {
  status: (taskId: string) => `status:${taskId}`,
  part: (taskId: string, part: string) => `part:${taskId}:${part}`,
  close: (taskId: string) => `close:${taskId}`,
};

export interface JobDeps {
  tasks: TaskStore;
  queue: TaskQueue;
  log: Logger;
  /** The chat of a record, on a platform this process runs. */
  access(record: TaskRecord): ChatAccess | undefined;
  /** Told when a task is closed (the console waits for the last one). */
  onClosed(record: TaskRecord): void;
}

/** True once every part was sent or linked. */
export async function allPartsSettled(tasks: TaskStore, record: TaskRecord): Promise<boolean> {
  const marks = await Promise.all(record.parts.map((p) => tasks.mark(record.id, p.id)));
  return marks.every((m) => m === 'sent' || m === 'linked');
}

/** Edits the status message; a message that is gone is not retried (the results come as new messages). */
async function showStatus(d: ChatAccess, deps: JobDeps, record: TaskRecord, text: string): Promise<void> {
  try {
    const end = await d.scheduler.begin(`edit:${record.statusMessage.messageId}`, true);
    try {
      await d.channel.edit(record.statusMessage, { text });
    } finally {
      end();
    }
  } catch (error) {
    d.log.warn({ err: error }, 'status message could not be edited');
  }
  await deps.tasks.setShown(record.id, text);
}

/** The final status: what upstream said for a failure, or what was actually delivered. */
async function finalText(deps: JobDeps, record: TaskRecord): Promise<string> {
  if (record.outcome?.text) return record.outcome.text;
  const marks = await Promise.all(record.parts.map((p) => deps.tasks.mark(record.id, p.id)));
  const sent = marks.filter((m) => m === 'sent').length;
  const linked = marks.filter((m) => m === 'linked').length;
  const missing = marks.length - sent - linked;
  const family = FAMILIES.find((f) => f.kind === record.kind);
  const done = family ? family.doneText(record, sent) : t(record.lang, T.mjDone);
  const notes = [
    linked > 0 ? t(record.lang, T.someLinked, { n: linked }) : '',
    missing > 0 ? t(record.lang, T.someMissing, { n: missing }) : '',
  ].filter(Boolean);
  return [done, ...notes].join('\n');
}

/** Runs one chat job: bring the status up to date, deliver a part, or settle and close the task. */
export async function runJob(deps: JobDeps, job: TaskJob, attempt: JobAttempt): Promise<void> {
  const record = await deps.tasks.get(job.taskId);
  if (!record || !isOpen(record)) return;
  const d = deps.access(record);
  if (!d) return; // a lane is only worked where its platform runs; nothing to do otherwise
  d.log.debug(
    { job: job.type, part: job.type === 'part' ? job.part : undefined, attempt: attempt.attempt },
    'task job started',
  );
  if (job.type === 'status') {
    if (record.outcome || record.state !== 'pending' || !record.wantedStatus) return;
    if ((await deps.tasks.shown(record.id)) === record.wantedStatus) return;
    await showStatus(d, deps, record, record.wantedStatus);
    return;
  }
  if (job.type === 'part') {
    const part = record.parts.find((p) => p.id === job.part);
    if (!part) return;
    await deliverPart(d, deps.tasks, record, part, attempt);
    if (await allPartsSettled(deps.tasks, record)) {
      await deps.queue.add(record.platform, jobIds.close(record.id), { type: 'close', taskId: record.id });
    }
    return;
  }
  // close
  if (!record.outcome && !(record.state === 'delivering' && (await allPartsSettled(deps.tasks, record))))
    return;
  const text = await finalText(deps, record);
  await showStatus(d, deps, record, text);
  record.state = record.outcome?.state ?? 'done';
  await deps.tasks.save(record);
  deps.onClosed(record);
}
