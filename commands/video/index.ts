import { defineCommand } from '../../src/core/command.js';
import { DEFAULT_VIDEO_MODEL } from '../../src/core/video-models.js';
import { readImage } from '../lib/images.js';
import { startTask } from '../lib/tasks.js';
import { streamVideo } from './chat.js';
import { completeVideoModel, inlineVideoOptions, resolveVideoRequest } from './models.js';

/**
 * `/video`: one command over every video family the gateway documents, chosen by model through
 * the routing table (src/core/video-models.ts). Task-format families are submitted here and
 * polled by the task system (restart-safe, one status message); chat-format ones stream.
 */
export default defineCommand({
  name: 'video',
  cost: 'task',
  description: {
    en: 'Make a short video from text or an image (Kling, Luma, Runway, Veo, Vidu, Jimeng, Pika…)',
    zh: '用文字或图片生成短视频（可灵、Luma、Runway、Veo、Vidu、即梦、Pika…）',
  },
  options: [
    {
      name: 'prompt',
      type: 'text',
      required: true,
      maxLength: 2000,
      description: { en: 'What happens in the video', zh: '视频内容' },
    },
    {
      name: 'model',
      type: 'text',
      maxLength: 100,
      autocomplete: true,
      description: {
        en: `Video model, e.g. kling-v1-6, ray-v2, gen4_turbo, veo3-fast (default ${DEFAULT_VIDEO_MODEL})`,
        zh: `视频模型，例如 kling-v1-6、ray-v2、gen4_turbo、veo3-fast（默认 ${DEFAULT_VIDEO_MODEL}）`,
      },
    },
    {
      name: 'image',
      type: 'image',
      description: { en: 'First frame / reference image (image to video)', zh: '首帧/参考图（图生视频）' },
    },
    {
      name: 'ratio',
      type: 'choice',
      description: { en: 'Aspect ratio', zh: '画面比例' },
      choices: [
        { value: '16:9', label: { en: '16:9 landscape', zh: '16:9 横屏' } },
        { value: '9:16', label: { en: '9:16 portrait', zh: '9:16 竖屏' } },
        { value: '1:1', label: { en: '1:1 square', zh: '1:1 方形' } },
      ],
    },
  ],
  async run(ctx) {
    const inline = inlineVideoOptions(ctx.args.prompt);
    const prompt = inline.prompt;
    const ratio = ctx.args.ratio ?? inline.ratio;
    const route = resolveVideoRequest(
      ctx.args.model?.trim() || inline.model || DEFAULT_VIDEO_MODEL,
      prompt,
      ctx.args.image !== undefined,
    );
    const image = ctx.args.image ? await readImage(ctx, ctx.args.image) : undefined;
    if (route.family === 'chat') {
      await streamVideo(ctx, { model: route.model, prompt, image });
      return;
    }
    const family = route.family;
    const useRatio = ratio && route.ratios.includes(ratio) ? ratio : undefined;
    await startTask(ctx, {
      kind: 'video-task',
      purpose: 'video',
      meta: { prompt, model: route.model },
      submit: () =>
        ctx.apicore.videoSubmit(
          { family, model: route.model, prompt, image, ratio: useRatio },
          { signal: ctx.signal },
        ),
    });
  },
  complete: (ctx, _option, typed) => completeVideoModel(ctx, typed),
});
