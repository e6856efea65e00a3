import { defineCommand } from '../src/core/command.js';
import { inputError } from '../src/errors.js';
import { requireChatAdmin } from './lib/chat-settings.js';

/** Model ids look like `gpt-4o-mini`, `claude-sonnet-4-5`, `deepseek/deepseek-r1:free`. */
const MODEL_ID = /^[\w.:/@+-]{1,100}$/;

export default defineCommand({
  name: 'model',
  adminOnly: true,
  description: {
    en: 'Show or set the model used in this chat (groups: admins set it)',
    zh: '查看或设置本聊天使用的模型（群内由管理员设置）',
  },
  options: [
    {
      name: 'name',
      type: 'text',
      description: { en: 'Model id, e.g. gpt-4o-mini', zh: '模型 ID，例如 gpt-4o-mini' },
      maxLength: 100,
      autocomplete: true,
    },
  ],
  async run(ctx) {
    const name = ctx.args.name;
    if (!name) {
      await ctx.reply(
        ctx.t(
          { en: '🤖 Model in this chat: {model}', zh: '🤖 本聊天当前模型：{model}' },
          { model: ctx.settings.model },
        ),
      );
      return;
    }
    await requireChatAdmin(ctx);
    if (!MODEL_ID.test(name)) {
      throw inputError(
        `“${name}” is not a model id. Send /models to list them.`,
        `“${name}” 不是有效的模型 ID。发送 /models 查看列表。`,
      );
    }
    const models = await ctx.apicore.listModels({ signal: ctx.signal });
    const match = models.find((m) => m.id.toLowerCase() === name.toLowerCase());
    if (!match) {
      const close = models
        .filter((m) => m.id.toLowerCase().includes(name.toLowerCase()))
        .slice(0, 5)
        .map((m) => m.id);
      const hint = close.length ? ` ${close.join(', ')}` : '';
      throw inputError(
        `Unknown model “${name}”.${hint ? ` Did you mean:${hint}?` : ' Send /models to list them.'}`,
        `未知模型“${name}”。${hint ? `你是否想用：${hint}？` : '发送 /models 查看列表。'}`,
      );
    }
    await ctx.updateSettings({ model: match.id });
    await ctx.reply(
      ctx.t({ en: '✅ Model set to {model}', zh: '✅ 模型已设置为 {model}' }, { model: match.id }),
    );
  },
  async complete(ctx, _option, typed) {
    const models = await ctx.apicore.listModels({ signal: ctx.signal });
    const q = typed.toLowerCase();
    return models
      .filter((m) => m.id.toLowerCase().includes(q))
      .slice(0, 25)
      .map((m) => ({ value: m.id, label: m.id }));
  },
});
