import { type AnyCommand, defineCommand } from '../../../src/core/command.js';
import type { Localized } from '../../../src/core/i18n.js';
import { type SunoActKind, sunoActId, type TaskPurpose } from '../../../src/core/tasks.js';
import { startTask } from '../../lib/tasks.js';
import { aukOrNewer, notOnModel, SONG_COMMANDS } from '../buttons.js';
import { CLIP_OPTIONS, clipOf, derivedMeta, inputError, nonce } from '../common.js';

/**
 * 💿 WAV, 🎬 Video, 📝 Timed lyrics: one `suno-act` task each, asked again every tick until the
 * gateway has the file (the act endpoints have no task of their own: the upstream id is
 * `${act}:${clip}:${nonce}`). Video and timed lyrics need chirp-auk or newer.
 */
function actCommand(
  name: string,
  act: SunoActKind,
  purpose: TaskPurpose,
  description: Localized,
  needsAuk: boolean,
): AnyCommand {
  return defineCommand({
    name,
    hidden: true,
    cost: 'task',
    description,
    options: CLIP_OPTIONS,
    async run(ctx) {
      const clip = clipOf(ctx.args);
      if (needsAuk && !aukOrNewer(clip.mv)) {
        throw inputError({ en: notOnModel('en', clip.mv), zh: notOnModel('zh', clip.mv) });
      }
      await startTask(ctx, {
        kind: 'suno-act',
        purpose,
        meta: derivedMeta(ctx, clip, { act }),
        submit: async () => sunoActId(act, clip.clip, nonce()),
      });
    },
  });
}

export const wav = actCommand(
  SONG_COMMANDS.wav,
  'wav',
  'wav',
  { en: 'A song as WAV', zh: '歌曲的 WAV 文件' },
  false,
);
export const video = actCommand(
  SONG_COMMANDS.video,
  'mp4',
  'video',
  { en: 'A song’s music video', zh: '歌曲的音乐视频' },
  true,
);
export const timing = actCommand(
  SONG_COMMANDS.timing,
  'timing',
  'timing',
  { en: 'A song’s timed lyrics', zh: '歌曲的逐字歌词' },
  true,
);
