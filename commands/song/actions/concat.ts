import { defineCommand } from '../../../src/core/command.js';
import { startTask } from '../../lib/tasks.js';
import { SONG_COMMANDS } from '../buttons.js';
import { CLIP_OPTIONS, clipOf, derivedMeta } from '../common.js';

/** 🎼 Full song: joins a continuation (or a replaced section) with what came before into one track. */
export default defineCommand({
  name: SONG_COMMANDS.concat,
  hidden: true,
  cost: 'task',
  description: { en: 'Join an extended song into one track', zh: '把续写的歌曲合成完整一首' },
  options: [
    ...CLIP_OPTIONS,
    { name: 'infill', type: 'boolean', description: { en: 'A replaced section', zh: '替换的片段' } },
  ],
  async run(ctx) {
    const clip = clipOf(ctx.args);
    await startTask(ctx, {
      kind: 'suno',
      purpose: 'concat',
      song: true,
      meta: derivedMeta(ctx, clip),
      submit: () => ctx.apicore.sunoConcat(clip.clip, ctx.args.infill === true, { signal: ctx.signal }),
    });
  },
});
