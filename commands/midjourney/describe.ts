import { type CommandContext, defineCommand } from '../../src/core/command.js';
import { readImage } from '../lib/images.js';
import { startTask } from '../lib/tasks.js';

/** Submits a Midjourney describe of an image (a data URL) and tracks it; shared with the chat's tool. */
export function submitDescribe(ctx: CommandContext<unknown>, imageDataUrl: string) {
  return startTask(ctx, {
    kind: 'mj',
    purpose: 'describe',
    submit: () => ctx.apicore.mjDescribe(imageDataUrl, { signal: ctx.signal }),
  });
}

export default defineCommand({
  name: 'describe',
  cost: 'task',
  description: {
    en: 'Describe an image with Midjourney: four prompts',
    zh: '用 Midjourney 描述图片：四个提示词',
  },
  options: [{ name: 'image', type: 'image', required: true, description: { en: 'The image', zh: '图片' } }],
  async run(ctx) {
    await submitDescribe(ctx, await readImage(ctx, ctx.args.image));
  },
});
