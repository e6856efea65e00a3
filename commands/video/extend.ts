import { defineCommand } from '../../src/core/command.js';
import { VIDEO_ROUTES } from '../../src/core/video-models.js';
import { inputError } from '../../src/errors.js';
import { startTask } from '../lib/tasks.js';

/** Continues a finished video (Kling video-extend, Luma extend); pressed, never typed. */
export default defineCommand({
  name: 'video-extend',
  hidden: true,
  cost: 'task',
  description: { en: 'Extend a video', zh: '延长视频' },
  options: [
    { name: 'family', type: 'text', required: true, description: { en: 'Family', zh: '系列' } },
    { name: 'of', type: 'text', required: true, description: { en: 'Video', zh: '视频' } },
    { name: 'model', type: 'text', description: { en: 'Model', zh: '模型' } },
    { name: 'was', type: 'text', description: { en: 'Original prompt', zh: '原提示词' } },
    { name: 'prompt', type: 'text', maxLength: 2000, description: { en: 'What happens next', zh: '接下来' } },
  ],
  async run(ctx) {
    const { family: name, of, model = '', was = '' } = ctx.args;
    const route = VIDEO_ROUTES.find((r) => r.family === name && r.extend);
    if (!route || route.family === 'chat')
      throw inputError('This video cannot be extended.', '这个视频无法延长。');
    const family = route.family;
    const prompt = ctx.args.prompt?.trim() || was;
    await startTask(ctx, {
      kind: 'video-task',
      purpose: 'extend',
      meta: { prompt, model, parent: of },
      submit: () =>
        ctx.apicore.videoSubmit(
          { family, model: model || route.models[0]!, prompt, extendOf: of },
          { signal: ctx.signal },
        ),
    });
  },
});
