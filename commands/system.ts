import { defineCommand } from '../src/core/command.js';
import { requireChatAdmin } from './lib/chat-settings.js';

/** Longest system prompt a chat may set, in characters (it is sent with every request). */
export const SYSTEM_PROMPT_MAX_CHARS = 4_000;
/** Longest part of the prompt echoed back when showing it. */
const SHOWN_MAX_CHARS = 1_000;
/** Words that clear the prompt instead of setting it. */
const CLEAR_WORDS = new Set(['off', 'clear', 'reset', 'none', '-', '关闭', '清除', '清空']);

export default defineCommand({
  name: 'system',
  adminOnly: true,
  description: {
    en: 'Show or set this chat’s system prompt (groups: admins set it)',
    zh: '查看或设置本聊天的系统提示词（群内由管理员设置）',
  },
  options: [
    {
      name: 'prompt',
      type: 'text',
      description: {
        en: 'Instructions the model follows in this chat; “off” clears them',
        zh: '模型在本聊天中遵循的指示；“off” 或“清除”可清空',
      },
      maxLength: SYSTEM_PROMPT_MAX_CHARS,
    },
  ],
  async run(ctx) {
    const prompt = ctx.args.prompt?.trim();
    if (!prompt) {
      const current = ctx.settings.systemPrompt;
      if (!current) {
        await ctx.reply(
          ctx.t({
            en: '🧭 No system prompt is set in this chat. Set one with /system <instructions>.',
            zh: '🧭 本聊天未设置系统提示词。用 /system <指示> 设置。',
          }),
        );
        return;
      }
      const shown = current.length > SHOWN_MAX_CHARS ? `${current.slice(0, SHOWN_MAX_CHARS)}…` : current;
      await ctx.reply(
        ctx.t(
          {
            en: '🧭 System prompt in this chat:\n{prompt}\n\nSend /system off to clear it.',
            zh: '🧭 本聊天的系统提示词：\n{prompt}\n\n发送 /system off 可清除。',
          },
          { prompt: shown },
        ),
      );
      return;
    }
    await requireChatAdmin(ctx);
    if (CLEAR_WORDS.has(prompt.toLowerCase())) {
      await ctx.updateSettings({ systemPrompt: undefined });
      await ctx.reply(ctx.t({ en: '✅ System prompt cleared.', zh: '✅ 系统提示词已清除。' }));
      return;
    }
    await ctx.updateSettings({ systemPrompt: prompt });
    ctx.log.info({ chars: prompt.length }, 'system prompt set');
    await ctx.reply(
      ctx.t(
        {
          en: '✅ System prompt set ({n} characters). It applies from the next message.',
          zh: '✅ 系统提示词已设置（{n} 个字符），从下一条消息起生效。',
        },
        { n: prompt.length },
      ),
    );
  },
});
