import { defineCommand } from '../src/core/command.js';

export default defineCommand({
  name: 'new',
  description: {
    en: 'Start a new conversation (forget the current one)',
    zh: '开始新对话（忘记当前上下文）',
  },
  options: [],
  async run(ctx) {
    await ctx.chatService.reset(ctx);
    await ctx.reply(
      ctx.t(
        {
          en: '🆕 New conversation started. Model: {model}',
          zh: '🆕 已开始新对话。模型：{model}',
        },
        { model: ctx.settings.model },
      ),
    );
  },
});
