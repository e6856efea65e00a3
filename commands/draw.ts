import { defineCommand } from '../src/core/command.js';
import { downloadAsFile } from '../src/core/media.js';
import type { OutgoingFile } from '../src/core/platform.js';

export default defineCommand({
  name: 'draw',
  cost: 'task',
  description: {
    en: 'Make an image (gpt-image-1, dall-e-3, flux…)',
    zh: '生成图片（gpt-image-1、dall-e-3、flux…）',
  },
  options: [
    {
      name: 'prompt',
      type: 'text',
      required: true,
      maxLength: 4000,
      description: { en: 'What to draw', zh: '画什么' },
    },
    {
      name: 'model',
      type: 'choice',
      description: { en: 'Image model', zh: '图片模型' },
      choices: [
        { value: 'gpt-image-1', label: { en: 'GPT Image 1', zh: 'GPT Image 1' } },
        { value: 'dall-e-3', label: { en: 'DALL·E 3', zh: 'DALL·E 3' } },
        { value: 'flux-schnell', label: { en: 'FLUX schnell', zh: 'FLUX schnell' } },
      ],
    },
    {
      name: 'size',
      type: 'choice',
      description: { en: 'Size', zh: '尺寸' },
      choices: [
        { value: '1024x1024', label: { en: 'Square', zh: '方形' } },
        { value: '1792x1024', label: { en: 'Landscape', zh: '横向' } },
        { value: '1024x1792', label: { en: 'Portrait', zh: '纵向' } },
      ],
    },
  ],
  async run(ctx) {
    const { prompt, model = 'gpt-image-1', size = '1024x1024' } = ctx.args;
    const status = await ctx.reply(ctx.t({ en: '🖌️ Drawing…', zh: '🖌️ 绘制中…' }));
    const images = await ctx.apicore.generateImages({ model, prompt, size, n: 1 }, { signal: ctx.signal });
    await ctx.usage.add({ tasks: 1 });
    const files: OutgoingFile[] = [];
    const links: string[] = [];
    for (const [i, image] of images.entries()) {
      const name = `image-${i + 1}.png`;
      if ('data' in image) {
        files.push({ kind: 'image', name, data: image.data, mime: 'image/png' });
        continue;
      }
      const file = await downloadAsFile(
        ctx.apicore,
        image.url,
        { kind: 'image', name },
        ctx.limits.maxUploadBytes,
        ctx.signal,
      );
      if (file) files.push(file);
      else links.push(image.url);
    }
    const caption = [`🖼️ ${prompt}`.slice(0, ctx.limits.maxCaptionChars - 200), ...links].join('\n');
    await ctx.edit(status, ctx.t({ en: '✅ Done ({model})', zh: '✅ 完成（{model}）' }, { model }));
    await ctx.reply(caption, { files });
  },
});
