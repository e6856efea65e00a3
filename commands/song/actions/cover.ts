import { defineCommand } from '../../../src/core/command.js';
import { startTask } from '../../lib/tasks.js';
import { SONG_COMMANDS } from '../buttons.js';
import { CLIP_OPTIONS, clipOf, derivedMeta, given } from '../common.js';

/** 🎨 Cover: the same song in a new style (tags), optionally under a new title. */
export default defineCommand({
  name: SONG_COMMANDS.cover,
  hidden: true,
  cost: 'task',
  description: { en: 'Cover a song in a new style', zh: '用新风格翻唱歌曲' },
  options: [
    ...CLIP_OPTIONS,
    {
      name: 'style',
      type: 'text',
      required: true,
      maxLength: 200,
      description: { en: 'New style', zh: '新风格' },
    },
    { name: 'newtitle', type: 'text', maxLength: 80, description: { en: 'Title', zh: '标题' } },
  ],
  async run(ctx) {
    const clip = clipOf(ctx.args);
    const title = given(ctx.args.newtitle) ?? clip.title;
    const tags = ctx.args.style;
    await startTask(ctx, {
      kind: 'suno',
      purpose: 'cover',
      song: true,
      meta: { ...derivedMeta(ctx, clip), tags, ...(title ? { title } : {}) },
      submit: () =>
        ctx.apicore.sunoMusic(
          {
            task: 'cover',
            cover_clip_id: clip.clip,
            tags,
            ...(title ? { title } : {}),
            ...(clip.mv ? { mv: clip.mv } : {}),
            generation_type: 'TEXT',
          },
          { signal: ctx.signal },
        ),
    });
  },
});
