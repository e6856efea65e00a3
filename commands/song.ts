import type { SunoMusic } from '../src/core/apicore.js';
import { type CommandContext, defineCommand } from '../src/core/command.js';
import { startTask } from './lib/tasks.js';

export interface SongRequest {
  prompt: string;
  tags?: string | undefined;
  title?: string | undefined;
  instrumental?: boolean | undefined;
  lyrics?: string | undefined;
}

/** Submits a Suno song and tracks it; shared by /song and the chat's song tool. */
export async function submitSong(ctx: CommandContext<unknown>, song: SongRequest) {
  // With lyrics Suno runs in custom mode (prompt = lyrics); otherwise it writes them from the description.
  const body: SunoMusic = song.lyrics
    ? { prompt: song.lyrics, tags: song.tags ?? song.prompt, title: song.title ?? '' }
    : {
        gpt_description_prompt: song.prompt,
        ...(song.tags ? { tags: song.tags } : {}),
        ...(song.title ? { title: song.title } : {}),
      };
  if (song.instrumental) body.make_instrumental = true;
  return startTask(ctx, {
    kind: 'suno',
    purpose: 'song',
    meta: { prompt: song.prompt, ...(song.title ? { title: song.title } : {}) },
    submit: () => ctx.apicore.sunoMusic(body, { signal: ctx.signal }),
  });
}

export default defineCommand({
  name: 'song',
  cost: 'task',
  description: { en: 'Write and sing a song with Suno', zh: '用 Suno 创作并演唱一首歌' },
  options: [
    {
      name: 'prompt',
      type: 'text',
      required: true,
      maxLength: 3000,
      description: { en: 'What the song is about', zh: '歌曲的主题' },
    },
    {
      name: 'tags',
      type: 'text',
      maxLength: 200,
      description: { en: 'Style, e.g. jazz, female vocal', zh: '风格，例如 爵士、女声' },
    },
    { name: 'title', type: 'text', maxLength: 80, description: { en: 'Title', zh: '标题' } },
    { name: 'instrumental', type: 'boolean', description: { en: 'No vocals', zh: '纯音乐' } },
    {
      name: 'lyrics',
      type: 'text',
      maxLength: 3000,
      description: { en: 'Your own lyrics', zh: '自定义歌词' },
    },
  ],
  async run(ctx) {
    await submitSong(ctx, ctx.args);
  },
});
