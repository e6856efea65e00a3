import { defineCommand } from '../../src/core/command.js';
import { readImage } from '../lib/images.js';
import { startTask } from '../lib/tasks.js';
import { collectImages, refuse } from './lib.js';

/** InsightFace through Midjourney's gateway: the face of one image onto the person in another. */
export default defineCommand({
  name: 'swapface',
  cost: 'task',
  description: {
    en: 'Put a face onto another picture (face swap)',
    zh: '换脸：把一张脸换到另一张图片上',
  },
  options: [
    { name: 'face', type: 'image', description: { en: 'The face to use', zh: '要使用的人脸' } },
    { name: 'target', type: 'image', description: { en: 'The picture to put it on', zh: '要换脸的图片' } },
  ],
  async run(ctx) {
    const [face, target, ...more] = collectImages(ctx, ['face', 'target']);
    if (!face || !target || more.length > 0) {
      throw refuse({
        en: 'A face swap takes two images: first the face, then the picture to put it on.',
        zh: '换脸需要两张图片：先是人脸，再是要换脸的图片。',
      });
    }
    const [sourceBase64, targetBase64] = await Promise.all([readImage(ctx, face), readImage(ctx, target)]);
    await startTask(ctx, {
      kind: 'mj',
      purpose: 'action',
      meta: { caption: ctx.t({ en: '🎭 Face swap', zh: '🎭 换脸' }) },
      submit: () => ctx.apicore.mjSwapFace({ sourceBase64, targetBase64 }, { signal: ctx.signal }),
    });
  },
});
