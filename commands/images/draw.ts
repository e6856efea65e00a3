import type { GeneratedImage } from '../../src/core/apicore.js';
import { defineCommand } from '../../src/core/command.js';
import type { IncomingFile } from '../../src/core/platform.js';
import { imageTaskRef } from '../../src/core/tasks.js';
import { inputError } from '../../src/errors.js';
import { type ImageBytes, pngSize, readImageBytes } from '../lib/images.js';
import { startTask } from '../lib/tasks.js';
import {
  completeImageModel,
  completeImageSize,
  DEFAULT_IMAGE_MODEL,
  IMAGE_ROUTES,
  type ImageRoute,
  inlineDrawOptions,
  resolveSize,
  routeOrRefuse,
} from './models.js';
import { chatImages, dataUrlOf, deliverImages, TEXT, upload } from './run.js';

/** dall-e-2 edits and variations take a square PNG under 4 MB (catalogue §4.1). */
const DALLE2_MAX_BYTES = 4 * 1024 * 1024;

/** The models that take a reference image, for the refusal of one that does not. */
const IMAGE_MODELS = IMAGE_ROUTES.filter((r) => r.imageInput !== 'none')
  .map((r) => r.models[0])
  .join(', ');

/** Everything that can be said about the input before anything is paid. */
function check(model: string, route: ImageRoute, prompt: string, files: IncomingFile[]): void {
  const n = files.length;
  if (n > 0 && route.imageInput === 'none')
    throw inputError(
      `${model} draws from text only; for a reference image use ${IMAGE_MODELS}.`,
      `${model} 只支持文字生成，不接受参考图；带图请用 ${IMAGE_MODELS}。`,
    );
  if (n > route.maxImages)
    throw inputError(
      `${model} takes at most ${route.maxImages} image${route.maxImages === 1 ? '' : 's'} (got ${n}).`,
      `${model} 最多接受 ${route.maxImages} 张图片（收到 ${n} 张）。`,
    );
  if (!prompt && !(n > 0 && route.variations))
    throw inputError(
      n > 0
        ? `Say what to change in the image: /draw <prompt> with the image (model ${model}).`
        : 'Describe the image: /draw <prompt> (model:…, size:… and a reference image are optional).',
      n > 0
        ? `请说明要如何修改图片：/draw <提示词> 并附带图片（模型 ${model}）。`
        : '请描述要画的内容：/draw <提示词>（model:…、size:… 和参考图可选）。',
    );
  const chars = [...prompt].length;
  if (route.maxPromptChars !== undefined && chars > route.maxPromptChars)
    throw inputError(
      `${model} takes prompts of at most ${route.maxPromptChars} characters (this one has ${chars}).`,
      `${model} 的提示词最多 ${route.maxPromptChars} 个字符（当前 ${chars} 个）。`,
    );
}

/** What the image endpoints take of the files themselves (type, shape, size). */
function checkBytes(model: string, route: ImageRoute, images: ImageBytes[]): void {
  for (const image of images) {
    if (route.squarePng) {
      const size = pngSize(image.data);
      if (!size || size.width !== size.height || image.data.length >= DALLE2_MAX_BYTES)
        throw inputError(
          `${model} edits only a square PNG under 4 MB; “${image.name}” is not one (try gpt-image-1).`,
          `${model} 只能编辑 4 MB 以下的正方形 PNG；“${image.name}” 不符合（可改用 gpt-image-1）。`,
        );
    } else if (route.imageInput === 'edits' && image.mime === 'image/gif')
      throw inputError(
        `${model} takes PNG, JPEG or WebP images; “${image.name}” is a GIF.`,
        `${model} 只接受 PNG、JPEG 或 WebP 图片；“${image.name}” 是 GIF。`,
      );
  }
}

/**
 * `/draw`: one command over every image family the gateway documents, routed by model through
 * the table in ./models.ts. A reference image edits (gpt-image-1, dall-e-2), makes variations
 * (dall-e-2 without a prompt), guides flux-kontext and Kling, or goes to a chat-format model.
 */
export default defineCommand({
  name: 'draw',
  cost: 'task',
  description: {
    en: 'Make or edit an image (gpt-image-1, dall-e, flux, grok, gpt-4o-image, seedream, kling…)',
    zh: '生成或编辑图片（gpt-image-1、dall-e、flux、grok、gpt-4o-image、即梦、可灵…）',
  },
  options: [
    {
      name: 'prompt',
      type: 'text',
      maxLength: 4000,
      description: {
        en: 'What to draw, or what to change in the image',
        zh: '画什么，或如何修改图片',
      },
    },
    {
      name: 'model',
      type: 'text',
      maxLength: 100,
      autocomplete: true,
      description: {
        en: `Image model, e.g. dall-e-3, flux-kontext-pro, gpt-4o-image (default ${DEFAULT_IMAGE_MODEL})`,
        zh: `图片模型，例如 dall-e-3、flux-kontext-pro、gpt-4o-image（默认 ${DEFAULT_IMAGE_MODEL}）`,
      },
    },
    {
      name: 'image',
      type: 'image',
      description: {
        en: 'Reference image: edit it, vary it (dall-e-2) or draw from it',
        zh: '参考图：编辑、生成变体（dall-e-2）或以图生图',
      },
    },
    {
      name: 'size',
      type: 'text',
      maxLength: 20,
      autocomplete: true,
      description: {
        en: 'Size (1024x1024, 1536x1024…) or ratio (16:9)',
        zh: '尺寸（1024x1024…）或比例（16:9）',
      },
    },
  ],
  async run(ctx) {
    const inline = inlineDrawOptions(ctx.args.prompt ?? '');
    const model = ctx.args.model?.trim() || inline.model || DEFAULT_IMAGE_MODEL;
    const route = routeOrRefuse(model);
    const prompt = inline.prompt;
    const files = [
      ...(ctx.args.image ? [ctx.args.image] : []),
      ...ctx.moreFiles.filter((f) => f.kind === 'image'),
    ];
    check(model, route, prompt, files);
    const size = resolveSize(model, route, ctx.args.size ?? inline.size);
    const images = await Promise.all(files.map((f) => readImageBytes(ctx, f)));
    checkBytes(model, route, images);

    const label = route.label;
    const pixels = route.sizeKind === 'pixels' || route.sizeKind === 'any' ? size : undefined;
    const ratio = route.sizeKind === 'ratio' ? size : undefined;
    if (route.endpoint === 'kling') {
      // A task: submitted here, polled and delivered as photos by the task system (restart-safe).
      const image = images[0] ? dataUrlOf(images[0]) : undefined;
      await startTask(ctx, {
        kind: 'image-task',
        purpose: 'draw',
        meta: { prompt, model, label },
        submit: async () =>
          imageTaskRef(
            'kling',
            await ctx.apicore.klingImageSubmit(
              { model, prompt, image, aspectRatio: ratio },
              { signal: ctx.signal },
            ),
          ),
      });
      return;
    }
    const status = await ctx.reply(ctx.t(TEXT.drawing, { label }));
    const opts = { signal: ctx.signal };
    let result: GeneratedImage[] | undefined;
    if (images.length > 0 && route.variations && !prompt) {
      result = await ctx.apicore.imageVariations(
        { model, image: upload(images[0]!, 0), n: 1, size: pixels },
        opts,
      );
    } else if (images.length > 0 && route.imageInput === 'edits') {
      result = await ctx.apicore.editImages(
        { model, prompt, images: images.map(upload), n: 1, size: pixels },
        opts,
      );
    } else if (route.endpoint === 'chat') {
      result = await chatImages(ctx, status, { model, label, prompt, images: images.map(dataUrlOf) });
    } else {
      const input = images[0] ? Buffer.from(images[0].data).toString('base64') : undefined;
      result = await ctx.apicore.generateImages(
        {
          model,
          prompt,
          n: 1,
          ...(pixels ? { size: pixels } : {}),
          ...(ratio ? { aspect_ratio: ratio } : {}),
          ...(input ? { input_image: input } : {}),
        },
        opts,
      );
    }
    if (!result) return;
    await ctx.usage.add({ tasks: 1 });
    await ctx.edit(status, ctx.t(TEXT.done, { model }));
    const caption = prompt ? `🖼️ ${prompt}` : `🖼️ ${model} · ${images[0]?.name ?? ''}`;
    await deliverImages(ctx, result, caption);
  },
  complete: async (ctx, option, typed) =>
    option === 'size' ? completeImageSize(typed) : completeImageModel(ctx, typed),
});
