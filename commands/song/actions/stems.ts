import { defineCommand } from '../../../src/core/command.js';
import { startTask } from '../../lib/tasks.js';
import { aukOrNewer, notOnModel, SONG_COMMANDS } from '../buttons.js';
import { CLIP_OPTIONS, clipOf, derivedMeta, inputError } from '../common.js';

/** 🎚️ Stems: the clip split into vocals and instrumental (two files); chirp-auk or newer. */
export default defineCommand({
  name: SONG_COMMANDS.stems,
  hidden: true,
  cost: 'task',
  description: { en: 'Split a song into vocals and instrumental', zh: '把歌曲分成人声和伴奏' },
  options: CLIP_OPTIONS,
  async run(ctx) {
    const clip = clipOf(ctx.args);
    if (!aukOrNewer(clip.mv)) {
      throw inputError({ en: notOnModel('en', clip.mv), zh: notOnModel('zh', clip.mv) });
    }
    await startTask(ctx, {
      kind: 'suno',
      purpose: 'stems',
      song: true,
      meta: derivedMeta(ctx, clip),
      submit: () =>
        ctx.apicore.sunoMusic(
          {
            task: 'gen_stem',
            ...(clip.task ? { task_id: clip.task } : {}),
            continue_clip_id: clip.clip,
            continue_at: null,
            prompt: '',
            ...(clip.title ? { title: clip.title } : {}),
            ...(clip.mv ? { mv: clip.mv } : {}),
            generation_type: 'TEXT',
            stem_type_id: 91,
            stem_type_group_name: 'Two',
            stem_task: 'two',
          },
          { signal: ctx.signal },
        ),
    });
  },
});
