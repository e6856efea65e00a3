import { t } from '../../../core/i18n.js';
import type { TaskRecord } from '../../../core/tasks.js';
import { T } from '../../texts.js';
import type { TaskFamily } from '../types.js';
import { type ClipSource, type MusicWording, musicView } from './parts.js';

const SUNO_BATCH_SIZE = 100;
const SUNO_DEADLINE_MS = 15 * 60_000;

const SOURCE: ClipSource = { performer: 'Suno AI', model: '' };
const WORDING: MusicWording = { queued: T.sunoQueued, working: T.sunoGenerating, streaming: T.sunoStreaming };

function doneText(record: TaskRecord, sent: number): string {
  const lang = record.lang;
  if (record.purpose === 'lyrics') return t(lang, T.lyricsDone);
  if (record.purpose === 'concat' && sent === 1) return t(lang, T.fullSongDone);
  if (record.purpose === 'stems') return t(lang, T.stemsDone, { n: sent });
  return t(lang, T.sunoDone, { n: sent });
}

/**
 * Suno music tasks, asked about in batches (`POST /suno/fetch`): new songs and lyrics, and every
 * task made from a clip (extend, full song, cover, replace section, persona, stems), told apart by
 * the record's purpose.
 */
export const suno: TaskFamily = {
  kind: 'suno',
  name: 'suno',
  batchSize: SUNO_BATCH_SIZE,
  deadlineMs: SUNO_DEADLINE_MS,
  async fetchMany(apicore, ids) {
    const tasks = await apicore.sunoFetchMany(ids);
    return tasks.map((task) => ({
      id: task.id,
      view: (r: TaskRecord) => musicView(r, task, SOURCE, WORDING),
    }));
  },
  doneText,
};
