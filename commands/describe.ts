import { defineCommand } from '../src/core/command.js';
import { readImage } from './lib/images.js';
import { startTask } from './lib/tasks.js';

export default defineCommand({
  name: 'describe',
  cost: 'task',
  description: {
    en: 'Describe an image with Midjourney: four prompts',
    zh: '用 Midjourney 描述图片：四个提示词',
  },
  options: [{ name: 'image', type: 'image', required: true, description: { en: 'The image', zh: '图片' } }],
  async run(ctx) {
    const dataUrl = await readImage(ctx, ctx.args.image);
    await startTask(ctx, {
      kind: 'mj',
      purpose: 'describe',
      submit: () => ctx.apicore.mjDescribe(dataUrl, { signal: ctx.signal }),
    });
  },
});
