import type { CommandButton } from '../../../core/command.js';
import { t } from '../../../core/i18n.js';
import type { ResultPart, TaskRecord } from '../../../core/tasks.js';
import { parseVideoTaskRef, VIDEO_ROUTES, type VideoTask } from '../../../core/video-models.js';
import { progressBar } from '../../texts.js';
import type { TaskFamily, UpstreamView } from '../types.js';
import { VT } from './texts.js';

/** Single requests per tick (no family has a batch endpoint); four run at once (poll-tick). */
const VIDEO_BATCH_SIZE = 20;
/** Video families take minutes; Kling and Veo queues can take a quarter of an hour and more. */
const VIDEO_DEADLINE_MS = 30 * 60_000;
/** Kept in the Extend button, so an empty extend prompt can reuse it. */
const EXTEND_PROMPT_KEEP_CHARS = 300;

/** The family's route (label, extend) for a record: by its reference, else its model. */
function routeOf(record: TaskRecord) {
  const family = parseVideoTaskRef(record.upstreamId)?.family;
  return VIDEO_ROUTES.find((r) => r.family === family);
}

/** The Extend button of a result, for families that can continue a video. */
export function extendButton(record: TaskRecord, extendId: string): CommandButton {
  const route = routeOf(record);
  const prompt = record.meta.prompt ?? '';
  return {
    label: t(record.lang, VT.extend),
    command: 'video-extend',
    args: {
      family: route?.family ?? '',
      of: extendId,
      model: record.meta.model ?? '',
      was: prompt.slice(0, EXTEND_PROMPT_KEEP_CHARS),
    },
    form: {
      title: VT.extendTitle,
      fields: [
        { name: 'prompt', label: VT.extendPrompt, style: 'paragraph', required: false, maxLength: 2000 },
      ],
    },
  };
}

function parts(record: TaskRecord, task: VideoTask & { videoUrl: string }): ResultPart[] {
  const route = routeOf(record);
  const family = route?.family ?? 'video';
  const prompt = record.meta.prompt ?? '';
  const text = t(record.lang, record.purpose === 'extend' ? VT.extended : VT.caption, { prompt });
  const buttons = route?.extend && task.extendId ? [[extendButton(record, task.extendId)]] : undefined;
  return [
    {
      id: 'video',
      text,
      ...(buttons ? { buttons } : {}),
      file: {
        url: task.videoUrl,
        kind: 'video',
        mime: 'video/mp4',
        name: `${family}-video.mp4`,
        ...(task.coverUrl ? { thumbnailUrl: task.coverUrl } : {}),
      },
    },
  ];
}

/** Reads a normalised video task against its record. */
export function videoView(record: TaskRecord, task: VideoTask): UpstreamView {
  const label = routeOf(record)?.label ?? 'Video';
  const lang = record.lang;
  if (task.state === 'success' && task.videoUrl)
    return { state: 'success', parts: parts(record, { ...task, videoUrl: task.videoUrl }) };
  if (task.state === 'success' || task.state === 'failure')
    return { state: 'failure', reason: task.reason || 'no video in the answer' };
  if (task.state === 'queued') return { state: 'running', status: t(lang, VT.queued, { label }) };
  if (task.progress !== undefined && task.progress > 0)
    return {
      state: 'running',
      status: t(lang, VT.progress, { label, bar: progressBar(task.progress), percent: task.progress }),
    };
  return { state: 'running', status: t(lang, VT.generating, { label }) };
}

/**
 * Every task-format video family (Vidu, Kling, Luma, Runway, Veo, Jimeng, Pika) as one polled
 * kind: the record's upstream id is the client's reference (`kling:text2video:…`), which says
 * which module asks and how. None has a batch endpoint, so each task is asked about on its own.
 */
export const videoTasks: TaskFamily = {
  kind: 'video-task',
  name: 'video',
  batchSize: VIDEO_BATCH_SIZE,
  deadlineMs: VIDEO_DEADLINE_MS,
  async fetchOne(apicore, ref) {
    const task = await apicore.videoFetch(ref);
    return task ? (record: TaskRecord) => videoView(record, task) : undefined;
  },
  doneText: (record) => t(record.lang, VT.done, { label: routeOf(record)?.label ?? 'Video' }),
};
