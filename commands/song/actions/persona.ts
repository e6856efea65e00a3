import { defineCommand } from '../../../src/core/command.js';
import { startTask } from '../../lib/tasks.js';
import { SONG_COMMANDS } from '../buttons.js';
import { CLIP_OPTIONS, clipOf, derivedMeta, given } from '../common.js';

/** 🗣️ Persona: makes a persona from the clip's voice, then a new song sung by it. */
export default defineCommand({
  name: SONG_COMMANDS.persona,
  hidden: true,
  cost: 'task',
  description: { en: 'A new song in this voice', zh: '用这个声线唱新歌' },
  options: [
    ...CLIP_OPTIONS,
    {
      name: 'lyrics',
      type: 'text',
      required: true,
      maxLength: 3000,
      description: { en: 'Lyrics', zh: '歌词' },
    },
    { name: 'style', type: 'text', maxLength: 200, description: { en: 'Style', zh: '风格' } },
  ],
  async run(ctx) {
    const clip = clipOf(ctx.args);
    const tags = given(ctx.args.style) ?? clip.tags;
    const title = clip.title || 'Suno';
    await startTask(ctx, {
      kind: 'suno',
      purpose: 'persona',
      song: true,
      meta: derivedMeta(ctx, clip, tags ? { tags } : {}),
      submit: async () => {
        const persona = await ctx.apicore.sunoPersona(
          {
            rootClipId: clip.clip,
            name: `${title} voice`.slice(0, 80),
            description: tags,
            clipIds: [clip.clip],
          },
          { signal: ctx.signal },
        );
        return ctx.apicore.sunoMusic(
          {
            task: 'artist_consistency',
            persona_id: persona,
            artist_clip_id: clip.clip,
            prompt: ctx.args.lyrics,
            ...(tags ? { tags } : {}),
            title,
            ...(clip.mv ? { mv: clip.mv } : {}),
            generation_type: 'TEXT',
          },
          { signal: ctx.signal },
        );
      },
    });
  },
});
