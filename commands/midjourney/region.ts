import { type CommandButton, defineCommand } from '../../src/core/command.js';
import { REGION_LABELS, REGIONS } from './mask.js';

const T = {
  pick: {
    en: '🖌️ Vary (Region): which part should Midjourney repaint? Pick one, then write what should be there.',
    zh: '🖌️ 局部重绘：要重画哪一部分？选择后写下那里应画的内容。',
  },
  title: { en: 'Vary (Region): {region}', zh: '局部重绘：{region}' },
  prompt: { en: 'What to paint there (parameters work)', zh: '该区域要画什么（可带参数）' },
} as const;

/**
 * Vary (Region), pressed: offers the region presets (a chat has no canvas to paint a mask on).
 * Each preset asks the prompt with a form, then `mj-action` presses the button, draws the mask at
 * the image's size and confirms Midjourney's window. Starts nothing upstream by itself.
 */
export default defineCommand({
  name: 'mj-region',
  hidden: true,
  description: { en: 'Pick a region to repaint', zh: '选择重绘区域' },
  options: [
    { name: 'taskId', type: 'text', required: true, description: { en: 'Task', zh: '任务' } },
    { name: 'customId', type: 'text', required: true, description: { en: 'Button', zh: '按钮' } },
    { name: 'speed', type: 'text', description: { en: 'Speed', zh: '速度' } },
  ],
  async run(ctx) {
    const { taskId, customId, speed } = ctx.args;
    const parent = await ctx.apicore.mjFetch(taskId, { signal: ctx.signal }).catch(() => undefined);
    const value = (parent?.finalPrompt || parent?.prompt || '').slice(0, 4000);
    const buttons: CommandButton[] = REGIONS.map((region) => ({
      label: ctx.t(REGION_LABELS[region]),
      command: 'mj-action',
      args: { taskId, customId, region, ...(speed ? { speed } : {}) },
      form: {
        title: {
          en: T.title.en.replace('{region}', REGION_LABELS[region].en),
          zh: T.title.zh.replace('{region}', REGION_LABELS[region].zh),
        },
        fields: [
          {
            name: 'prompt',
            label: T.prompt,
            style: 'paragraph',
            maxLength: 4000,
            ...(value ? { value } : {}),
          },
        ],
      },
    }));
    await ctx.reply(ctx.t(T.pick), { buttons: [buttons.slice(0, 3), buttons.slice(3)] });
  },
});
