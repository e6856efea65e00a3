import type { ApiCore, KlingImageTask } from '../../core/apicore.js';
import { type Localized, t } from '../../core/i18n.js';
import {
  type ImageTaskFamily,
  parseImageTaskRef,
  type ResultPart,
  type TaskRecord,
} from '../../core/tasks.js';
import { BotError } from '../../errors.js';
import type { TaskFamily, UpstreamView } from './types.js';

/** Single requests per tick (Kling has no batch endpoint); a few run at once (poll-tick). */
const IMAGE_BATCH_SIZE = 20;
/** Kling images take seconds to a few minutes; upstreams give up at about ten. */
const IMAGE_DEADLINE_MS = 10 * 60_000;

/** What image tasks tell users (the wording `/draw` used while it polled by itself). */
export const IT = {
  queued: { en: '🖌️ {label} · queued…', zh: '🖌️ {label} · 排队中…' },
  drawing: { en: '🖌️ {label} · drawing…', zh: '🖌️ {label} · 绘制中…' },
  done: { en: '✅ Done ({model})', zh: '✅ 完成（{model}）' },
  failed: { en: '❌ {label}: no image. {reason}', zh: '❌ {label}：未生成图片。{reason}' },
  caption: { en: '🖼️ {prompt}', zh: '🖼️ {prompt}' },
} satisfies Record<string, Localized>;

/** An image task, normalised: every provider answers in this shape. */
type ImageTask = KlingImageTask;

/** Asks a provider about one task: undefined when it does not know it (a miss). */
type Provider = (apicore: ApiCore, taskId: string) => Promise<ImageTask | undefined>;

/** A 404 is "the gateway does not know this task" (counted as a miss); anything else is retried. */
async function unlessUnknown(ask: Promise<ImageTask>): Promise<ImageTask | undefined> {
  try {
    return await ask;
  } catch (error) {
    if (error instanceof BotError && error.kind === 'not_found') return undefined;
    throw error;
  }
}

/** One entry per image family answering with a task: a new one is a line here and a client call. */
const PROVIDERS: Record<ImageTaskFamily, { label: string; fetch: Provider }> = {
  kling: { label: 'Kling', fetch: (apicore, id) => unlessUnknown(apicore.klingImageFetch(id)) },
};

function labelOf(record: TaskRecord): string {
  const family = parseImageTaskRef(record.upstreamId)?.family;
  return record.meta.label || (family ? PROVIDERS[family].label : 'Image');
}

function parts(record: TaskRecord, urls: readonly string[]): ResultPart[] {
  const family = parseImageTaskRef(record.upstreamId)?.family ?? 'image';
  const prompt = record.meta.prompt ?? '';
  const text = prompt ? t(record.lang, IT.caption, { prompt }) : `🖼️ ${record.meta.model ?? family}`;
  return urls.map((url, i) => ({
    id: `image-${i + 1}`,
    text,
    file: { url, kind: 'image', name: `${family}-image-${i + 1}.png` },
  }));
}

/** Reads a normalised image task against its record. */
export function imageView(record: TaskRecord, task: ImageTask): UpstreamView {
  const label = labelOf(record);
  if (task.state === 'success' && task.urls.length > 0)
    return { state: 'success', parts: parts(record, task.urls) };
  if (task.state === 'success' || task.state === 'failure')
    return {
      state: 'failure',
      reason: t(record.lang, IT.failed, { label, reason: task.reason ?? 'no image in the answer' }),
    };
  return {
    state: 'running',
    status: t(record.lang, task.state === 'queued' ? IT.queued : IT.drawing, { label }),
  };
}

/**
 * Every task-format image family (Kling images, catalogue §4.8) as one polled kind, delivered as
 * photos: the record's upstream id is an `imageTaskRef` (`kling:<task id>`), which says which
 * provider asks. None has a batch endpoint, so each task is asked about on its own.
 */
export const imageTasks: TaskFamily = {
  kind: 'image-task',
  name: 'image',
  batchSize: IMAGE_BATCH_SIZE,
  deadlineMs: IMAGE_DEADLINE_MS,
  async fetchOne(apicore, ref) {
    const parsed = parseImageTaskRef(ref);
    if (!parsed) return undefined; // no family of ours: a miss, reported lost after a few
    const task = await PROVIDERS[parsed.family].fetch(apicore, parsed.taskId);
    return task ? (record: TaskRecord) => imageView(record, task) : undefined;
  },
  doneText: (record) => t(record.lang, IT.done, { model: record.meta.model ?? labelOf(record) }),
};
