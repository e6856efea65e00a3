import { defineCommand } from '../../../src/core/command.js';
import { startTask } from '../../lib/tasks.js';
import { SONG_COMMANDS } from '../buttons.js';
import { CLIP_OPTIONS, clipOf, derivedMeta, inputError, parseSeconds } from '../common.js';

/** ✂️ Replace section: new lyrics sung between two seconds of the clip. */
export default defineCommand({
  name: SONG_COMMANDS.infill,
  hidden: true,
  cost: 'task',
  description: { en: 'Replace a section of a song', zh: '替换歌曲的一段' },
  options: [
    ...CLIP_OPTIONS,
    {
      name: 'start',
      type: 'text',
      required: true,
      maxLength: 12,
      description: { en: 'From second', zh: '从第几秒' },
    },
    {
      name: 'end',
      type: 'text',
      required: true,
      maxLength: 12,
      description: { en: 'To second', zh: '到第几秒' },
    },
    {
      name: 'lyrics',
      type: 'text',
      required: true,
      maxLength: 3000,
      description: { en: 'Lyrics', zh: '歌词' },
    },
  ],
  async run(ctx) {
    const clip = clipOf(ctx.args);
    const start = parseSeconds(ctx.args.start);
    const end = parseSeconds(ctx.args.end);
    if (end <= start || (clip.dur > 0 && end > clip.dur)) {
      throw inputError(
        {
          en: '✂️ {start}–{end} s is not a section of “{title}” ({dur} s): the end must come after the start, within the song.',
          zh: '✂️ {start}–{end} 秒不是《{title}》（{dur} 秒）中的一段：结束要在开始之后，并在歌曲之内。',
        },
        { start, end, dur: clip.dur, title: clip.title || 'Suno' },
      );
    }
    await startTask(ctx, {
      kind: 'suno',
      purpose: 'infill',
      song: true,
      meta: derivedMeta(ctx, clip, { start: String(start), end: String(end) }),
      submit: () =>
        ctx.apicore.sunoMusic(
          {
            task: 'infill',
            ...(clip.task ? { task_id: clip.task } : {}),
            continue_clip_id: clip.clip,
            continue_at: null,
            infill_start_s: start,
            infill_end_s: end,
            prompt: ctx.args.lyrics,
            ...(clip.tags ? { tags: clip.tags } : {}),
            ...(clip.title ? { title: clip.title } : {}),
            ...(clip.mv ? { mv: clip.mv } : {}),
            generation_type: 'TEXT',
          },
          { signal: ctx.signal },
        ),
    });
  },
});
