import type { MjDimensions } from '../../src/core/apicore.js';
import { defineCommand } from '../../src/core/command.js';
import { startTask } from '../lib/tasks.js';
import { collectImages, mjOpts, readImages, refuse, SPEED_OPTION, speedOf } from './lib.js';

/** Midjourney blends 2 to 5 images. */
const MIN_IMAGES = 2;
const MAX_IMAGES = 5;
const IMAGE_OPTIONS = ['image1', 'image2', 'image3', 'image4', 'image5'] as const;

const SHAPES: readonly { value: MjDimensions; words: RegExp; aspect: string }[] = [
  { value: 'PORTRAIT', words: /^(portrait|tall|vertical|2:3|竖|竖版|竖向|纵向|肖像)$/i, aspect: '2:3' },
  { value: 'SQUARE', words: /^(square|1:1|方|方形|正方形)$/i, aspect: '1:1' },
  { value: 'LANDSCAPE', words: /^(landscape|wide|horizontal|3:2|横|横版|横向|风景)$/i, aspect: '3:2' },
];

/** "landscape", "横版", "3:2"… → the blend's dimensions; empty → square. */
export function parseDimensions(text: string | undefined): MjDimensions {
  const word = (text ?? '').trim();
  if (!word) return 'SQUARE';
  const shape = SHAPES.find((s) => s.words.test(word) || s.value === word.toUpperCase());
  if (!shape) {
    throw refuse(
      {
        en: 'Unknown shape “{word}”: use portrait (2:3), square (1:1) or landscape (3:2).',
        zh: '无法识别的形状“{word}”：请用 竖版（2:3）、方形（1:1）或 横版（3:2）。',
      },
      { word },
    );
  }
  return shape.value;
}

export default defineCommand({
  name: 'blend',
  cost: 'task',
  description: { en: 'Blend 2–5 images with Midjourney', zh: '用 Midjourney 融合 2–5 张图片' },
  options: [
    {
      name: 'dimensions',
      type: 'text',
      autocomplete: true,
      description: { en: 'portrait, square or landscape', zh: '竖版、方形或横版' },
    },
    ...IMAGE_OPTIONS.map((name, i) => ({
      name,
      type: 'image' as const,
      description: { en: `Image ${i + 1}`, zh: `图片 ${i + 1}` },
    })),
    SPEED_OPTION,
  ],
  async complete(ctx, _option, typed) {
    const all = [
      { value: 'PORTRAIT', label: ctx.t({ en: 'Portrait 2:3', zh: '竖版 2:3' }) },
      { value: 'SQUARE', label: ctx.t({ en: 'Square 1:1', zh: '方形 1:1' }) },
      { value: 'LANDSCAPE', label: ctx.t({ en: 'Landscape 3:2', zh: '横版 3:2' }) },
    ];
    const q = typed.trim().toLowerCase();
    return all.filter((c) => !q || c.value.toLowerCase().startsWith(q) || c.label.toLowerCase().includes(q));
  },
  async run(ctx) {
    const dimensions = parseDimensions(ctx.args.dimensions);
    const files = collectImages(ctx, IMAGE_OPTIONS);
    if (files.length < MIN_IMAGES || files.length > MAX_IMAGES) {
      throw refuse(
        {
          en: 'A blend takes {min} to {max} images; you sent {n}. Attach them together (an album), or reply with /blend to them.',
          zh: '融合需要 {min}–{max} 张图片，你发送了 {n} 张。请一起发送（相册），或回复图片发送 /blend。',
        },
        { min: MIN_IMAGES, max: MAX_IMAGES, n: files.length },
      );
    }
    const images = await readImages(ctx, files);
    const speed = speedOf(ctx.args.speed);
    const aspect = SHAPES.find((s) => s.value === dimensions)?.aspect ?? '1:1';
    await startTask(ctx, {
      kind: 'mj',
      purpose: 'blend',
      meta: {
        caption: ctx.t({ en: '🧩 Blend of {n} images', zh: '🧩 {n} 张图片的融合' }, { n: images.length }),
        aspect,
        ...(speed ? { speed } : {}),
      },
      submit: () => ctx.apicore.mjBlend(images, dimensions, mjOpts(ctx, speed)),
    });
  },
});
