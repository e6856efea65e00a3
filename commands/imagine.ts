import { type CommandContext, defineCommand } from '../src/core/command.js';
import { startTask } from './lib/tasks.js';

/** Submits a Midjourney imagine and tracks it; shared by /imagine and the chat's make_image tool. */
export function submitImagine(ctx: CommandContext<unknown>, prompt: string) {
  return startTask(ctx, {
    kind: 'mj',
    purpose: 'imagine',
    meta: { prompt },
    submit: () => ctx.apicore.mjImagine({ prompt }, { signal: ctx.signal }),
  });
}

export default defineCommand({
  name: 'imagine',
  cost: 'task',
  description: { en: 'Make images with Midjourney', zh: '用 Midjourney 生成图片' },
  options: [
    {
      name: 'prompt',
      type: 'text',
      required: true,
      maxLength: 4000,
      description: {
        en: 'What to draw (Midjourney parameters like --ar 16:9 work)',
        zh: '画什么（支持 --ar 16:9 等参数）',
      },
    },
  ],
  async run(ctx) {
    await submitImagine(ctx, ctx.args.prompt);
  },
});
