import { defineCommand } from '../src/core/command.js';

const money = (n: number) => (Math.round(n * 100) / 100).toFixed(2);
const ofQuota = (used: number, quota: number) => (quota > 0 ? `${used} / ${quota}` : `${used}`);

export default defineCommand({
  name: 'usage',
  description: {
    en: 'Your usage today (and the APICore key’s, for admins)',
    zh: '你今天的用量（管理员可看 APICore 密钥用量）',
  },
  options: [],
  async run(ctx) {
    const mine = await ctx.usage.today();
    const lines = [
      ctx.t({ en: '👤 Your use today', zh: '👤 你今天的用量' }),
      ctx.t(
        { en: 'Tokens: {tokens}', zh: 'Tokens：{tokens}' },
        { tokens: ofQuota(mine.tokens, mine.tokenQuota) },
      ),
      ctx.t(
        { en: 'Media tasks: {tasks}', zh: '媒体任务：{tasks}' },
        { tasks: ofQuota(mine.tasks, mine.taskQuota) },
      ),
    ];
    const songs = await ctx.songs?.budget.today();
    if (songs) {
      lines.push(
        ctx.t(
          { en: '🎵 This group’s songs today: {songs}', zh: '🎵 本群今天的歌曲：{songs}' },
          { songs: songs.quota > 0 ? `${songs.used} / ${songs.quota}` : `${songs.used}` },
        ),
      );
    }
    if (ctx.isAdmin) {
      const u = await ctx.apicore.keyUsage({ signal: ctx.signal });
      lines.push(
        '',
        ctx.t({ en: '📊 APICore key usage', zh: '📊 APICore 密钥用量' }),
        ctx.t({ en: 'Used: {used}', zh: '已用：{used}' }, { used: money(u.used) }),
        u.unlimited
          ? ctx.t({ en: 'Limit: unlimited', zh: '额度：无限' })
          : ctx.t(
              { en: 'Limit: {limit} · Remaining: {remaining}', zh: '额度：{limit} · 剩余：{remaining}' },
              { limit: money(u.limit), remaining: money(u.remaining) },
            ),
      );
      if (u.expiresAt) {
        const date = new Date(u.expiresAt * 1000).toISOString().slice(0, 10);
        lines.push(ctx.t({ en: 'Expires: {date}', zh: '到期：{date}' }, { date }));
      }
    }
    await ctx.reply(lines.join('\n'));
  },
});
