import { t } from '../../../core/i18n.js';
import type { TaskRecord } from '../../../core/tasks.js';
import { isBotError } from '../../../errors.js';
import { T } from '../../texts.js';
import type { TaskFamily } from '../types.js';
import { type ClipSource, type MusicWording, musicView } from './parts.js';

/** Udio has no batch fetch: this many single requests a tick at most (the rest wait their turn). */
const UDIO_PER_TICK = 10;
const UDIO_DEADLINE_MS = 15 * 60_000;
const UDIO_DEFAULT_MODEL = 'udio32-v1.5';

const WORDING: MusicWording = { queued: T.udioQueued, working: T.udioGenerating };

/**
 * Udio songs (`GET /udio/fetch/{id}`, one by one), read like Suno's: the client maps Udio's
 * `songs[]` to clips. The model the song was asked with (`meta.mv`) goes on its buttons, since
 * Udio's answer does not name it.
 */
export const udio: TaskFamily = {
  kind: 'udio',
  name: 'udio',
  batchSize: UDIO_PER_TICK,
  deadlineMs: UDIO_DEADLINE_MS,
  async fetchOne(apicore, id) {
    try {
      const task = await apicore.udioFetch(id);
      return (record: TaskRecord) => {
        const source: ClipSource = { performer: 'Udio', model: record.meta.mv || UDIO_DEFAULT_MODEL };
        return musicView(record, task, source, WORDING);
      };
    } catch (error) {
      if (isBotError(error) && error.kind === 'not_found') return undefined; // a miss
      throw error;
    }
  },
  doneText: (record, sent) => t(record.lang, T.udioDone, { n: sent }),
};
