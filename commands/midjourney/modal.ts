import { defineCommand } from '../../src/core/command.js';
import { startTask } from '../lib/tasks.js';
import { mjOpts, normalizePrompt, refuse, speedOf } from './lib.js';

/**
 * Confirms the window of a task waiting in MODAL (a Remix-mode V/re-roll/pan) with the prompt the
 * user wrote in the button's form, then follows the same task to its result.
 */
export default defineCommand({
  name: 'mj-modal',
  hidden: true,
  cost: 'task',
  description: { en: 'Send Midjourney the prompt it waits for', zh: '向 Midjourney 提交它等待的提示词' },
  options: [
    { name: 'taskId', type: 'text', required: true, description: { en: 'Task', zh: '任务' } },
    { name: 'prompt', type: 'text', maxLength: 4000, description: { en: 'Prompt', zh: '提示词' } },
    { name: 'speed', type: 'text', description: { en: 'Speed', zh: '速度' } },
  ],
  async run(ctx) {
    const prompt = normalizePrompt(ctx.args.prompt ?? '');
    if (!prompt) throw refuse({ en: 'This button needs a prompt.', zh: '此按钮需要提示词。' });
    const speed = speedOf(ctx.args.speed);
    const { taskId } = ctx.args;
    await startTask(ctx, {
      kind: 'mj',
      purpose: 'action',
      meta: { prompt, modal: 'sent', ...(speed ? { speed } : {}) },
      submit: () => ctx.apicore.mjModal({ taskId, prompt }, mjOpts(ctx, speed)),
    });
  },
});
