import { defineCommand } from '../../../src/core/command.js';
import { moreButtons, SONG_COMMANDS } from '../buttons.js';
import { CLIP_OPTIONS, clipOf } from '../common.js';

/** ➕ More (free): the clip's second row of buttons, with a line for what its model cannot do. */
export default defineCommand({
  name: SONG_COMMANDS.more,
  hidden: true,
  description: { en: 'More for a song', zh: '歌曲的更多操作' },
  options: CLIP_OPTIONS,
  async run(ctx) {
    const clip = clipOf(ctx.args);
    const { rows, notes } = moreButtons(clip, ctx.lang);
    const head = ctx.t(
      { en: '➕ More for “{title}”', zh: '➕《{title}》的更多操作' },
      { title: clip.title || 'Suno' },
    );
    await ctx.reply([head, ...notes].join('\n'), rows.length > 0 ? { buttons: rows } : undefined);
  },
});
