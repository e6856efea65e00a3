import { defineCommand } from '../src/core/command.js';
import { startTask } from './lib/tasks.js';

/** Runs a Midjourney button (U1–U4, V1–V4, re-roll, zoom…); pressed, never typed. */
export default defineCommand({
  name: 'mj-action',
  hidden: true,
  cost: 'task',
  description: { en: 'Run a Midjourney button', zh: '执行 Midjourney 按钮' },
  options: [
    { name: 'taskId', type: 'text', required: true, description: { en: 'Task', zh: '任务' } },
    { name: 'customId', type: 'text', required: true, description: { en: 'Button', zh: '按钮' } },
  ],
  async run(ctx) {
    const { taskId, customId } = ctx.args;
    await startTask(ctx, {
      kind: 'mj',
      purpose: 'action',
      meta: { parent: taskId },
      submit: () => ctx.apicore.mjAction(taskId, customId, { signal: ctx.signal }),
    });
  },
});
