import { defineCommand } from '../../../src/core/command.js';
import { startTask } from '../../lib/tasks.js';
import { SONG_COMMANDS } from '../buttons.js';
import { CLIP_OPTIONS, clipOf, derivedMeta, given, inputError, parseSeconds } from '../common.js';

/** Continues this far before the end when no second is given. */
const EXTEND_BEFORE_END_S = 10;

/** ⏩ Extend: continues the clip from a second (default near its end) with new lyrics or style. */
export default defineCommand({
  name: SONG_COMMANDS.extend,
  hidden: true,
  cost: 'task',
  description: { en: 'Extend a song', zh: '续写歌曲' },
  options: [
    ...CLIP_OPTIONS,
    { name: 'at', type: 'text', maxLength: 12, description: { en: 'From second', zh: '从第几秒' } },
    { name: 'lyrics', type: 'text', maxLength: 3000, description: { en: 'Lyrics', zh: '歌词' } },
    { name: 'style', type: 'text', maxLength: 200, description: { en: 'Style', zh: '风格' } },
  ],
  async run(ctx) {
    const clip = clipOf(ctx.args);
    const raw = given(ctx.args.at);
    const at = raw === undefined ? Math.max(0, clip.dur - EXTEND_BEFORE_END_S) : parseSeconds(raw);
    if (clip.dur > 0 && at > clip.dur) {
      throw inputError(
        {
          en: '⏩ {at} s is past the end of “{title}” ({dur} s): pick a second within the song.',
          zh: '⏩ 第 {at} 秒已经超出《{title}》的长度（{dur} 秒）：请选歌曲之内的时间。',
        },
        { at, dur: clip.dur, title: clip.title || 'Suno' },
      );
    }
    const lyrics = given(ctx.args.lyrics);
    const tags = given(ctx.args.style) ?? clip.tags;
    await startTask(ctx, {
      kind: 'suno',
      purpose: 'extend',
      song: true,
      meta: derivedMeta(ctx, clip, { at: String(at), ...(tags ? { tags } : {}) }),
      submit: () =>
        ctx.apicore.sunoMusic(
          {
            task: 'extend',
            ...(clip.task ? { task_id: clip.task } : {}),
            continue_clip_id: clip.clip,
            continue_at: at,
            prompt: lyrics ?? '',
            ...(tags ? { tags } : {}),
            ...(clip.title ? { title: clip.title } : {}),
            ...(clip.mv ? { mv: clip.mv } : {}),
          },
          { signal: ctx.signal },
        ),
    });
  },
});
