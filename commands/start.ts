import { defineCommand } from '../src/core/command.js';
import { commandLines } from './help.js';

/** Longest deep-link payload kept in the log (Telegram allows 64 characters; others send anything). */
const PAYLOAD_LOG_MAX_CHARS = 64;

/**
 * The first thing every Telegram user sends: a greeting in their language and what the bot can do.
 * A deep-link payload (`t.me/<bot>?start=<payload>` arrives as `/start <payload>`) means nothing
 * special yet; it is logged and never refused.
 */
export default defineCommand({
  name: 'start',
  description: { en: 'Greeting and what this bot can do', zh: '问候与功能介绍' },
  // Telegram's own entry point: not listed in help or published as a command of its own.
  hidden: true,
  options: [
    {
      name: 'payload',
      type: 'text',
      description: { en: 'Deep-link payload', zh: '深度链接参数' },
    },
  ],
  async run(ctx) {
    const payload = ctx.args.payload;
    if (payload) ctx.log.info({ payload: payload.slice(0, PAYLOAD_LOG_MAX_CHARS) }, 'start with a payload');
    const lines = [
      ctx.t(
        {
          en: '👋 Hello, {name}! I bring the APICore AI gateway here: chat with many models, describe and draw images, make songs and videos.',
          zh: '👋 你好，{name}！我把 APICore AI 网关带到这里：与多种模型对话、识图与画图、写歌和生成视频。',
        },
        { name: ctx.user.name },
      ),
      ctx.chat.kind === 'group'
        ? ctx.t({
            en: 'In this group, mention me, reply to one of my messages, or send a command.',
            zh: '在群里，@我、回复我的消息，或发送命令即可。',
          })
        : ctx.t({
            en: 'Just write to me to chat; reply to one of my answers to continue it.',
            zh: '直接发消息即可对话；回复我的某条回答可以接着聊。',
          }),
      '',
      ...commandLines(ctx),
    ];
    await ctx.reply(lines.join('\n'));
  },
});
