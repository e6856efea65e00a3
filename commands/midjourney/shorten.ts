import { defineCommand } from '../../src/core/command.js';
import { startTask } from '../lib/tasks.js';
import { normalizePrompt } from './lib.js';

/** Midjourney's /shorten: a long prompt → up to five shorter ones, each a button away from /imagine. */
export default defineCommand({
  name: 'shorten',
  cost: 'task',
  description: {
    en: 'Shorten a Midjourney prompt: shorter versions to imagine',
    zh: '精简 Midjourney 提示词：给出更短的版本',
  },
  options: [
    {
      name: 'prompt',
      type: 'text',
      required: true,
      maxLength: 4000,
      description: { en: 'The prompt to shorten', zh: '要精简的提示词' },
    },
  ],
  async run(ctx) {
    const prompt = normalizePrompt(ctx.args.prompt);
    await startTask(ctx, {
      kind: 'mj',
      // A text result of prompts, delivered like a describe's.
      purpose: 'describe',
      meta: { mode: 'shorten', prompt },
      submit: () => ctx.apicore.mjShorten(prompt, { signal: ctx.signal }),
    });
  },
});
