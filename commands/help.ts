import { type CommandContext, defineCommand } from '../src/core/command.js';

/** One line per visible command, `/name — description`, in the user's language (help, /start). */
export function commandLines(ctx: CommandContext<unknown>): string[] {
  return ctx.commands.filter((c) => !c.hidden).map((c) => `/${c.name} — ${ctx.t(c.description)}`);
}

export default defineCommand({
  name: 'help',
  description: { en: 'What this bot can do', zh: '机器人功能说明' },
  options: [],
  async run(ctx) {
    const lines = [
      ctx.t({
        en: '👋 I bring the APICore AI gateway here. Write to me to chat; reply to one of my answers to continue it.',
        zh: '👋 我把 APICore AI 网关带到这里。直接发消息即可对话；回复我的某条回答可以接着聊。',
      }),
      '',
      ...commandLines(ctx),
      '',
      ctx.t(
        { en: 'Model in this chat: {model}', zh: '本聊天当前模型：{model}' },
        { model: ctx.settings.model },
      ),
    ];
    await ctx.reply(lines.join('\n'));
  },
});
