import type { SunoClip, SunoTask } from '../../core/apicore.js';
import { t } from '../../core/i18n.js';
import type { ResultPart, TaskRecord } from '../../core/tasks.js';
import { T } from '../texts.js';
import type { TaskFamily, UpstreamView } from './types.js';

const SUNO_BATCH_SIZE = 100;
const SUNO_DEADLINE_MS = 15 * 60_000;

function clipText(clip: SunoClip, lang: 'en' | 'zh'): string {
  const head = t(lang, T.audioCaption, { title: clip.title || 'Suno' });
  const tags = clip.tags ? `\n🏷️ ${clip.tags}` : '';
  const lyrics = clip.lyrics ? `\n\n${clip.lyrics}` : '';
  return `${head}${tags}${lyrics}`;
}

function parts(record: TaskRecord, task: SunoTask): ResultPart[] {
  if (record.purpose === 'lyrics') {
    const l = task.lyrics;
    return [{ id: 'lyrics', text: `📝 ${l?.title ?? ''}\n\n${l?.text ?? ''}`.trim() }];
  }
  return task.clips
    .filter((clip) => clip.audioUrl)
    .map((clip) => ({
      id: clip.id,
      text: clipText(clip, record.lang),
      file: {
        url: clip.audioUrl,
        kind: 'audio' as const,
        name: `${(clip.title || 'song').replace(/[\\/:*?"<>|]+/g, '_')}.mp3`,
        performer: 'Suno AI',
        ...(clip.title ? { title: clip.title } : {}),
        ...(clip.durationSeconds !== undefined ? { durationSeconds: clip.durationSeconds } : {}),
        ...(clip.imageUrl ? { thumbnailUrl: clip.imageUrl } : {}),
      },
    }));
}

function view(record: TaskRecord, task: SunoTask): UpstreamView {
  const lang = record.lang;
  if (task.status === 'SUCCESS') return { state: 'success', parts: parts(record, task) };
  if (task.status === 'FAILURE' || task.status === 'UNKNOWN') {
    const clipError = task.clips.find((c) => c.errorMessage)?.errorMessage;
    return { state: 'failure', reason: task.failReason || clipError || t(lang, T.failedUnknown) };
  }
  if (task.status === 'IN_PROGRESS') {
    const streaming = task.clips.filter((c) => c.status === 'streaming').length;
    return {
      state: 'running',
      status: streaming ? t(lang, T.sunoStreaming, { n: streaming }) : t(lang, T.sunoGenerating),
    };
  }
  return { state: 'running', status: t(lang, T.sunoQueued) };
}

export const suno: TaskFamily = {
  kind: 'suno',
  name: 'suno',
  batchSize: SUNO_BATCH_SIZE,
  deadlineMs: SUNO_DEADLINE_MS,
  async fetchMany(apicore, ids) {
    const tasks = await apicore.sunoFetchMany(ids);
    return tasks.map((task) => ({ id: task.id, view: (r: TaskRecord) => view(r, task) }));
  },
  doneText: (record, sent) =>
    record.purpose === 'lyrics' ? t(record.lang, T.lyricsDone) : t(record.lang, T.sunoDone, { n: sent }),
};
