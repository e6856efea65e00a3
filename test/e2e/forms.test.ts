import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnyCommand, defineCommand } from '../../src/core/command.js';
import { FakeApiCore } from '../fakes/apicore.js';
import { runConsole } from '../helpers/console-app.js';
import { startDiscordApp, webhookPatches } from '../helpers/discord-app.js';
import { startTelegramBot } from '../helpers/telegram-app.js';
import { useTelegramFakes } from '../helpers/telegram-fakes.js';

// Follow-up forms: a button that needs answers before its command runs. Discord asks with a modal,
// Telegram with one ForceReply prompt per field (answered by replying to it), the terminal with the
// next line. The command then runs with the button's arguments plus the answers.

const survey = defineCommand({
  name: 'survey',
  description: { en: 'A song with an Extend button', zh: '带续写按钮的歌曲' },
  options: [],
  async run(ctx) {
    await ctx.reply(ctx.t({ en: 'Your song 🎵', zh: '你的歌 🎵' }), {
      buttons: [
        [
          {
            label: 'Extend ⏩',
            command: 'extend',
            args: { clip: 'clip-一' },
            form: {
              title: {
                en: 'Extend “Moonlight 月光” from a point in time 🎶',
                zh: '从某一时间点续写《月光》🎶',
              },
              fields: [
                {
                  name: 'at',
                  label: { en: 'From second (empty: near the end)', zh: '从第几秒开始（留空：接近结尾）' },
                  required: false,
                  maxLength: 8,
                  placeholder: { en: 'e.g. 90', zh: '例如 90' },
                },
                {
                  name: 'lyrics',
                  label: { en: 'Lyrics for the continuation', zh: '续写部分的歌词' },
                  style: 'paragraph',
                  maxLength: 3000,
                  value: '[Verse]',
                },
              ],
            },
          },
        ],
      ],
    });
  },
});

const extend = defineCommand({
  name: 'extend',
  hidden: true,
  description: { en: 'Extend', zh: '续写' },
  options: [
    { name: 'clip', type: 'text', required: true, description: { en: 'clip', zh: 'clip' } },
    { name: 'at', type: 'text', description: { en: 'at', zh: 'at' } },
    { name: 'lyrics', type: 'text', description: { en: 'lyrics', zh: 'lyrics' } },
  ],
  async run(ctx) {
    await ctx.reply(`extend ${ctx.args.clip} at=${ctx.args.at ?? 'end'} | ${ctx.args.lyrics ?? ''}`);
  },
});

/** Plain messages go to `chat`: here it only says what it was asked. */
const chat = defineCommand({
  name: 'chat',
  description: { en: 'Chat', zh: '聊天' },
  options: [{ name: 'prompt', type: 'text', description: { en: 'prompt', zh: 'prompt' } }],
  async run(ctx) {
    await ctx.reply(`chat: ${ctx.args.prompt ?? ''}`);
  },
});

const COMMANDS: readonly AnyCommand[] = [survey, extend, chat];

describe('follow-up forms in the terminal: the next line answers', () => {
  let api: FakeApiCore;
  beforeAll(async () => {
    api = await FakeApiCore.start();
  });
  afterAll(async () => {
    await api.close();
  });

  it('asks each field in turn and runs the command with the answers', async () => {
    const run = await runConsole(
      api,
      [
        '/survey',
        { after: /\[Extend ⏩\]/ },
        '[Extend ⏩]',
        { after: /From second/ },
        '42',
        { after: /Lyrics for the continuation/ },
        'Moon 月亮 🌙\\nsecond line 第二行',
      ],
      { commands: COMMANDS },
    );
    expect(run.output).toContain('(1/2)');
    expect(run.output).toContain('Now: [Verse]');
    expect(run.output).toContain('extend clip-一 at=42 | Moon 月亮 🌙\nsecond line 第二行');
  });

  it('skips an optional field with “-”, and “取消” cancels', async () => {
    const run = await runConsole(
      api,
      [
        '/survey',
        { after: /\[Extend ⏩\]/ },
        '[Extend ⏩]',
        { after: /从第几秒/ },
        '-',
        { after: /续写部分的歌词/ },
        '星星 ⭐',
        { after: /extend clip-一/ },
        '[Extend ⏩]',
        { after: /\(1\/2\)[\s\S]*\(1\/2\)|（1\/2）[\s\S]*（1\/2）/ },
        '取消',
      ],
      { commands: COMMANDS, locale: 'zh_CN.UTF-8' },
    );
    expect(run.output).toContain('extend clip-一 at=end | 星星 ⭐');
    expect(run.output).toContain('👌 已取消。');
    expect(run.output.match(/extend clip-一/g)).toHaveLength(1);
  });

  it('refuses an answer over the field’s length and keeps asking', async () => {
    const run = await runConsole(
      api,
      ['/survey', { after: /\[Extend ⏩\]/ }, '[Extend ⏩]', { after: /From second/ }, '1234567890 秒'],
      { commands: COMMANDS },
    );
    expect(run.output).toContain(
      '“From second (empty: near the end)” is too long (12 characters, at most 8).',
    );
    expect(run.output).not.toContain('extend clip-一');
  });
});

describe('follow-up forms on Telegram: ForceReply prompts answered by reply', () => {
  const fx = useTelegramFakes();

  it('in a group, only replies to the prompt answer it; the command runs once with both answers', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api, { commands: COMMANDS });
    const group = fx.tg.groupChat(-1001, 'Band 乐队 🎸');
    const mia = fx.tg.user(11, 'Mia 米娅', 'en');
    const leo = fx.tg.user(12, 'Leo', 'en');
    fx.tg.sendText(group, mia, '/survey');
    const song = await fx.tg.waitFor(() => fx.tg.chatLog(group.id).find((m) => m.text === 'Your song 🎵'));
    const data = song.reply_markup!.inline_keyboard[0]![0]! as { callback_data: string };
    fx.tg.pressButton(group, mia, song.message_id, data.callback_data);
    const first = await fx.tg.waitFor(() => fx.tg.chatLog(group.id).find((m) => m.text.includes('(1/2)')));
    expect(first.force_reply).toEqual({ placeholder: 'e.g. 90' });
    expect(first.text).toContain('Extend “Moonlight 月光” from a point in time 🎶');
    // Someone else chatting meanwhile is not an answer.
    fx.tg.sendText(group, leo, '@apicore_test_bot hello 你好 👋');
    await fx.tg.waitFor(() => fx.tg.chatLog(group.id).some((m) => m.text.startsWith('chat: ')));
    fx.tg.sendText(group, mia, '90', fx.tg.replyTo(first.message));
    const second = await fx.tg.waitFor(() => fx.tg.chatLog(group.id).find((m) => m.text.includes('(2/2)')));
    expect(second.force_reply).toEqual({});
    fx.tg.sendText(group, mia, 'Stars 星星 ✨\nagain 再来', fx.tg.replyTo(second.message));
    const done = await fx.tg.waitFor(() => fx.tg.chatLog(group.id).find((m) => m.text.startsWith('extend ')));
    expect(done.text).toBe('extend clip-一 at=90 | Stars 星星 ✨\nagain 再来');
    // A late reply to an answered prompt is told so, not taken for chat or run again.
    fx.tg.sendText(group, mia, '120', fx.tg.replyTo(first.message));
    const expired = await fx.tg.waitFor(() => fx.tg.chatLog(group.id).find((m) => m.text.startsWith('⌛')));
    expect(expired.text).toBe(
      '⌛ That question has expired or was already answered. Press the button again to start over.',
    );
    await fx.tg.waitFor(() => fx.bot!.app.router.inflight === 0);
    expect(fx.tg.chatLog(group.id).filter((m) => m.text.startsWith('extend '))).toHaveLength(1);
  });
});

describe('follow-up forms on Discord: a modal', () => {
  let api: FakeApiCore;
  beforeAll(async () => {
    api = await FakeApiCore.start();
  });
  afterAll(async () => {
    await api.close();
  });

  it('opens the modal as the press’s answer and runs the command with what was typed', async () => {
    const run = await startDiscordApp(api, { commands: COMMANDS });
    try {
      const { discord } = run;
      const cmd = discord.slashCommand({ name: 'survey', locale: 'zh-CN' });
      const reply = await discord.waitFor(() => {
        const original = discord.interaction(cmd.id).original;
        return original?.components.length ? original : undefined;
      });
      const customId = (reply.components[0] as { components: { custom_id: string }[] }).components[0]!
        .custom_id;
      const press = discord.pressButton({ messageId: reply.id, customId, locale: 'zh-CN' });
      const opened = await discord.waitFor(
        () => discord.interaction(press.id).modal as Record<string, unknown>,
      );
      expect(discord.interaction(press.id).callbacks.map((c) => c.type)).toEqual([9]);
      expect(opened.title).toBe('从某一时间点续写《月光》🎶');
      const inputs = (opened.components as { components: Record<string, unknown>[] }[]).map(
        (r) => r.components[0]!,
      );
      expect(inputs.map((i) => [i.custom_id, i.label, i.style, i.required, i.max_length])).toEqual([
        ['at', '从第几秒开始（留空：接近结尾）', 1, false, 8],
        ['lyrics', '续写部分的歌词', 2, true, 3000],
      ]);
      expect(inputs[1]!.value).toBe('[Verse]');
      const submit = discord.submitModal({
        interactionId: press.id,
        values: { at: '75', lyrics: '月光 Moonlight 🌕' },
        locale: 'zh-CN',
      });
      await discord.waitFor(() => webhookPatches(discord, submit.token).length > 0);
      const answer = await discord.waitFor(() => {
        const original = discord.interaction(submit.id).original;
        return original?.content.startsWith('extend') ? original : undefined;
      });
      expect(answer.content).toBe('extend clip-一 at=75 | 月光 Moonlight 🌕');
      expect(discord.unexpected).toEqual([]);
    } finally {
      await run.stop();
    }
  });
});
