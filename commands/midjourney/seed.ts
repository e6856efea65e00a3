import { defineCommand } from '../../src/core/command.js';

/** Shows the seed a finished Midjourney image was made with (`/mj/task/{id}/image-seed`). */
export default defineCommand({
  name: 'mj-seed',
  hidden: true,
  description: { en: 'Show the image seed', zh: '查看图片种子' },
  options: [{ name: 'taskId', type: 'text', required: true, description: { en: 'Task', zh: '任务' } }],
  async run(ctx) {
    const seed = await ctx.apicore.mjImageSeed(ctx.args.taskId, { signal: ctx.signal });
    await ctx.reply(
      ctx.t(
        {
          en: '🌱 Seed: {seed}\nAdd `--seed {seed}` to a prompt to get a similar start.',
          zh: '🌱 种子：{seed}\n在提示词后加上 `--seed {seed}` 可复现相近的起点。',
        },
        { seed },
      ),
    );
  },
});
