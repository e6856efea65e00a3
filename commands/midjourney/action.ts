import { type CommandContext, defineCommand } from '../../src/core/command.js';
import { startTask } from '../lib/tasks.js';
import { mjOpts, normalizePrompt, refuse, speedOf, waitForModal } from './lib.js';
import { imageSize, isRegion, type Region, regionMask } from './mask.js';

/** The most a parent image may weigh when it is fetched to size a Vary (Region) mask. */
const MASK_SOURCE_MAX_BYTES = 40 * 1024 * 1024;

const ZOOM = /--zoom\s+(\S+)/i;

/** The Custom Zoom prompt as the window wants it: a --zoom between 1 and 2 (2 when none was typed). */
export function zoomPrompt(raw: string): string {
  const prompt = normalizePrompt(raw);
  const zoom = ZOOM.exec(prompt)?.[1];
  if (zoom === undefined) return `${prompt} --zoom 2`;
  const n = Number(zoom);
  if (!Number.isFinite(n) || n < 1 || n > 2) {
    throw refuse(
      {
        en: '--zoom must be between 1 and 2 (got “{zoom}”).',
        zh: '--zoom 需在 1 到 2 之间（收到“{zoom}”）。',
      },
      { zoom },
    );
  }
  return prompt;
}

/**
 * Runs a Midjourney button (U1–U4, V1–V4, re-roll, zoom, pan, upscale…); pressed, never typed.
 * Window buttons come with what their window needs: Custom Zoom a prompt (asked by the button's
 * form), Vary (Region) a region preset and a prompt. The bot presses the button, waits until the
 * new task waits in MODAL, and confirms the window (`/mj/submit/modal`) before tracking it.
 */
export default defineCommand({
  name: 'mj-action',
  hidden: true,
  cost: 'task',
  description: { en: 'Run a Midjourney button', zh: '执行 Midjourney 按钮' },
  options: [
    { name: 'taskId', type: 'text', required: true, description: { en: 'Task', zh: '任务' } },
    { name: 'customId', type: 'text', required: true, description: { en: 'Button', zh: '按钮' } },
    { name: 'speed', type: 'text', description: { en: 'Speed', zh: '速度' } },
    { name: 'prompt', type: 'text', maxLength: 4000, description: { en: 'Prompt', zh: '提示词' } },
    { name: 'region', type: 'text', description: { en: 'Region', zh: '区域' } },
  ],
  async run(ctx) {
    const { taskId, customId } = ctx.args;
    const speed = speedOf(ctx.args.speed);
    const opts = mjOpts(ctx, speed);
    const inpaint = customId.startsWith('MJ::Inpaint::');
    const zoom = customId.startsWith('MJ::CustomZoom::');
    if (!inpaint && !zoom) {
      await startTask(ctx, {
        kind: 'mj',
        purpose: 'action',
        meta: { parent: taskId, ...(speed ? { speed } : {}) },
        submit: () => ctx.apicore.mjAction(taskId, customId, opts),
      });
      return;
    }
    // A window button: everything is checked before the press is paid for.
    const raw = ctx.args.prompt?.trim() ?? '';
    if (!raw) throw refuse({ en: 'This button needs a prompt.', zh: '此按钮需要提示词。' });
    const prompt = zoom ? zoomPrompt(raw) : normalizePrompt(raw);
    let region: Region | undefined;
    if (inpaint) {
      const r = ctx.args.region;
      if (!isRegion(r)) throw refuse({ en: 'Pick a region first.', zh: '请先选择区域。' });
      region = r;
    }
    await startTask(ctx, {
      kind: 'mj',
      purpose: 'action',
      meta: { parent: taskId, prompt, modal: 'sent', ...(speed ? { speed } : {}) },
      submit: async () => {
        const maskBase64 = region ? await maskFor(ctx, taskId, region) : undefined;
        const child = await ctx.apicore.mjAction(taskId, customId, opts);
        await waitForModal(ctx, child);
        return ctx.apicore.mjModal({ taskId: child, prompt, ...(maskBase64 ? { maskBase64 } : {}) }, opts);
      },
    });
  },
});

/** Draws the region's mask at the size of the image the button belongs to. */
async function maskFor(ctx: CommandContext<unknown>, taskId: string, region: Region): Promise<string> {
  const parent = await ctx.apicore.mjFetch(taskId, { signal: ctx.signal });
  const size = parent.imageUrl
    ? await ctx.apicore
        .download(parent.imageUrl, { maxBytes: MASK_SOURCE_MAX_BYTES, signal: ctx.signal })
        .then((file) => imageSize(file.data))
        .catch(() => undefined)
    : undefined;
  if (!size) {
    throw refuse({
      en: 'I could not read the image to draw the region on; please try again.',
      zh: '无法读取这张图片来绘制区域，请重试。',
    });
  }
  return regionMask(region, size.width, size.height);
}
