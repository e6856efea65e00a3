import { defineCommand } from '../src/core/command.js';

const money = (n: number) => (Math.round(n * 100) / 100).toFixed(2);

export default defineCommand({
  name: 'usage',
  description: { en: 'Show the APICore key’s usage and limit', zh: '查看 APICore 密钥的用量和额度' },
  options: [],
  async run(ctx) {
    const u = await ctx.apicore.keyUsage({ signal: ctx.signal });
    const lines = [
      ctx.t({ en: '📊 APICore key usage', zh: '📊 APICore 密钥用量' }),
      ctx.t({ en: 'Used: {used}', zh: '已用：{used}' }, { used: money(u.used) }),
      u.unlimited
        ? ctx.t({ en: 'Limit: unlimited', zh: '额度：无限' })
        : ctx.t(
            { en: 'Limit: {limit} · Remaining: {remaining}', zh: '额度：{limit} · 剩余：{remaining}' },
            {
              limit: money(u.limit),
              remaining: money(u.remaining),
            },
          ),
    ];
    if (u.expiresAt) {
      lines.push(
        ctx.t(
          { en: 'Expires: {date}', zh: '到期：{date}' },
          { date: new Date(u.expiresAt * 1000).toISOString().slice(0, 10) },
        ),
      );
    }
    await ctx.reply(lines.join('\n'));
  },
});
