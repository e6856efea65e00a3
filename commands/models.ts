import { defineCommand } from '../src/core/command.js';

/** Families shown as groups, in this order; the rest go under "other". */
const FAMILIES: [string, RegExp][] = [
  ['GPTs', /^gpt-4-gizmo/i],
  ['GPT / OpenAI', /^(gpt|o\d|chatgpt|dall-e|tts|whisper|text-embedding)/i],
  ['Claude', /^claude/i],
  ['Gemini', /^gemini/i],
  ['DeepSeek', /deepseek/i],
  ['Midjourney / Suno / Video', /^(mj|midjourney|suno|vidu|veo|luma|kling|runway)/i],
];

export default defineCommand({
  name: 'models',
  description: { en: 'List the models APICore serves', zh: '列出 APICore 提供的模型' },
  options: [
    {
      name: 'filter',
      type: 'text',
      description: { en: 'Only models containing this', zh: '只显示包含此文字的模型' },
      maxLength: 100,
    },
  ],
  async run(ctx) {
    const filter = ctx.args.filter?.toLowerCase();
    const models = (await ctx.apicore.listModels({ signal: ctx.signal }))
      .map((m) => m.id)
      .filter((id) => !filter || id.toLowerCase().includes(filter))
      .sort();
    if (models.length === 0) {
      await ctx.reply(
        ctx.t(
          { en: 'No model matches “{filter}”.', zh: '没有匹配“{filter}”的模型。' },
          { filter: filter ?? '' },
        ),
      );
      return;
    }
    const groups = new Map<string, string[]>();
    for (const id of models) {
      const family = FAMILIES.find(([, re]) => re.test(id))?.[0] ?? ctx.t({ en: 'Other', zh: '其他' });
      groups.set(family, [...(groups.get(family) ?? []), id]);
    }
    const lines = [
      ctx.t(
        { en: '🤖 {n} models (current: {model})', zh: '🤖 共 {n} 个模型（当前：{model}）' },
        { n: models.length, model: ctx.settings.model },
      ),
    ];
    for (const [family, ids] of groups)
      lines.push('', `**${family}**`, ids.map((id) => `\`${id}\``).join(', '));
    lines.push('', ctx.t({ en: 'Set one with /model <name>', zh: '使用 /model <名称> 切换模型' }));
    lines.push(
      ctx.t({
        en: 'Any public GPT works too: /model gpt-4-gizmo-g-<id> (the id from chatgpt.com/g/g-<id>-…)',
        zh: '也可使用任意公开 GPTs：/model gpt-4-gizmo-g-<id>（id 取自 chatgpt.com/g/g-<id>-…）',
      }),
    );
    await ctx.reply(lines.join('\n'));
  },
});
