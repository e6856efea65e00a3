import type { MjSpeed } from '../../src/core/apicore.js';
import { type CommandContext, defineCommand } from '../../src/core/command.js';
import { startTask } from '../lib/tasks.js';
import {
  checkParameters,
  collectImages,
  mjOpts,
  normalizePrompt,
  readImages,
  refuse,
  SPEED_OPTION,
  speedOf,
} from './lib.js';

/** Midjourney takes a few reference images; more only slows the upload. */
const MAX_REFERENCE_IMAGES = 5;

export interface ImagineExtras {
  /** Reference images, as data URLs (`base64Array`). */
  images?: string[] | undefined;
  speed?: MjSpeed | undefined;
}

/** Submits a Midjourney imagine and tracks it; shared by /imagine and the chat's make_image tool. */
export function submitImagine(ctx: CommandContext<unknown>, rawPrompt: string, extras: ImagineExtras = {}) {
  const prompt = normalizePrompt(rawPrompt);
  checkParameters(prompt);
  const speed = extras.speed ?? speedOf(undefined, prompt);
  const aspect = /--(?:ar|aspect)\s+(\d+:\d+)/i.exec(prompt)?.[1];
  return startTask(ctx, {
    kind: 'mj',
    purpose: 'imagine',
    meta: { prompt, ...(speed ? { speed } : {}), ...(aspect ? { aspect } : {}) },
    submit: () =>
      ctx.apicore.mjImagine(
        { prompt, ...(extras.images?.length ? { base64Array: extras.images } : {}) },
        mjOpts(ctx, speed),
      ),
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
        en: 'What to draw (Midjourney parameters like --ar 16:9, --niji 6, --v 6.1 work)',
        zh: '画什么（支持 --ar 16:9、--niji 6、--v 6.1 等参数）',
      },
    },
    SPEED_OPTION,
    { name: 'image', type: 'image', description: { en: 'Reference image', zh: '参考图' } },
    { name: 'image2', type: 'image', description: { en: 'Another reference image', zh: '另一张参考图' } },
  ],
  async run(ctx) {
    const files = collectImages(ctx, ['image', 'image2']);
    if (files.length > MAX_REFERENCE_IMAGES) {
      throw refuse(
        {
          en: 'At most {max} reference images, please (got {n}).',
          zh: '参考图最多 {max} 张（收到 {n} 张）。',
        },
        { max: MAX_REFERENCE_IMAGES, n: files.length },
      );
    }
    const images = await readImages(ctx, files);
    await submitImagine(ctx, ctx.args.prompt, { images, speed: speedOf(ctx.args.speed, ctx.args.prompt) });
  },
});
