import { defineCommand } from '../src/core/command.js';
import { startTask } from './lib/tasks.js';

export default defineCommand({
  name: 'lyrics',
  cost: 'task',
  description: { en: 'Write song lyrics with Suno', zh: '用 Suno 写歌词' },
  options: [
    {
      name: 'prompt',
      type: 'text',
      required: true,
      maxLength: 3000,
      description: { en: 'What the lyrics are about', zh: '歌词的主题' },
    },
  ],
  async run(ctx) {
    const prompt = ctx.args.prompt;
    await startTask(ctx, {
      kind: 'suno',
      purpose: 'lyrics',
      meta: { prompt, by: ctx.user.name },
      submit: () => ctx.apicore.sunoLyrics(prompt, { signal: ctx.signal }),
    });
  },
});
