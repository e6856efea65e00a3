import sharp from 'sharp';
import { Agent, setGlobalDispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { FakeApiCore, TINY_PNG } from '../fakes/apicore.js';
import type { StoredMessage } from '../fakes/discord.js';
import { startGuildApp } from '../helpers/discord-app.js';
import { startTelegramBot } from '../helpers/telegram-app.js';
import { useTelegramFakes } from '../helpers/telegram-fakes.js';

// Midjourney's window buttons and image inputs on the real platform adapters: Custom Zoom through
// a Discord modal, Vary (Region) and a blend album on Telegram.

type Row = { components: { label: string; custom_id: string }[] };
const buttonOf = (m: StoredMessage, label: string) =>
  (m.components as Row[]).flatMap((r) => r.components).find((b) => b.label === label)!;

describe('Discord: Custom Zoom asks with a modal', () => {
  it('opens the modal on the press and confirms the window with what was typed', async () => {
    setGlobalDispatcher(new Agent());
    const apicore = await FakeApiCore.start();
    const CH = { mj: '1300000000000000061' };
    const run = await startGuildApp(apicore, CH);
    const { discord } = run;
    try {
      discord.slashCommand({
        name: 'imagine',
        options: { prompt: '海边的城堡 a castle by the sea 🏰 --ar 16:9' },
        channelId: CH.mj,
        locale: 'zh-CN',
      });
      const grid = await discord.waitFor(
        (d) => d.channelMessages(CH.mj).find((m) => m.attachments.length > 0),
        20_000,
      );
      discord.pressButton({ messageId: grid.id, customId: buttonOf(grid, 'U1').custom_id, locale: 'zh-CN' });
      const upscale = await discord.waitFor(
        (d) => d.channelMessages(CH.mj).find((m) => m.id !== grid.id && m.attachments.length > 0),
        20_000,
      );
      const zoom = buttonOf(upscale, '🔍 Custom Zoom');
      const press = discord.pressButton({ messageId: upscale.id, customId: zoom.custom_id, locale: 'zh-CN' });
      const modal = await discord.waitFor(
        () => discord.interaction(press.id).modal as Record<string, unknown>,
      );
      expect(discord.interaction(press.id).callbacks.map((c) => c.type)).toEqual([9]);
      expect(modal.title).toBe('自定义缩放：提示词与 --zoom');
      const input = (modal.components as { components: Record<string, unknown>[] }[])[0]!.components[0]!;
      expect(input.value).toBe('海边的城堡 a castle by the sea 🏰 --ar 16:9 --zoom 2');
      // Nothing was paid for yet: the window is confirmed only with the modal's answer.
      expect(apicore.requestsTo('POST', '/mj/submit/action')).toHaveLength(1);
      const submit = discord.submitModal({
        interactionId: press.id,
        values: { prompt: '海边的城堡 at night 夜晚 🌙 --ar 16:9 --zoom 1.8' },
        locale: 'zh-CN',
      });
      await discord.waitFor(
        (d) => d.interaction(submit.id).original?.content === '✅ Midjourney · 完成',
        20_000,
      );
      const modalBody = apicore.requestsTo('POST', '/mj/submit/modal')[0]?.json as Record<string, string>;
      const child = [...apicore.mjTasks.values()].find((t) => t.action === 'CUSTOM_ZOOM')!;
      expect(modalBody).toEqual({
        taskId: child.id,
        prompt: '海边的城堡 at night 夜晚 🌙 --ar 16:9 --zoom 1.8',
      });
      const zoomed = discord.channelMessages(CH.mj).filter((m) => m.attachments.length > 0);
      expect(zoomed).toHaveLength(3);
      expect(zoomed[2]!.content).toBe('🎨 海边的城堡 at night 夜晚 🌙 --ar 16:9 --zoom 1.8');
      expect(apicore.unexpected).toEqual([]);
      expect(discord.unexpected).toEqual([]);
    } finally {
      await run.stop();
      await apicore.close();
    }
  }, 60_000);
});

// Each step's status message is paced like a real chat (about one edit a second), hence the long waits.
describe('Telegram: Vary (Region) presets and a blend album', () => {
  const fx = useTelegramFakes();

  it('a blend album of 2 photos delivers the blended image', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const ann = fx.tg.user(161, 'Ann 安', 'zh-hans');
    const chat = fx.tg.privateChat(161, ann);
    fx.tg.sendAlbum(chat, ann, [Buffer.from(TINY_PNG), Buffer.from(TINY_PNG)], { caption: '/blend 竖版' });
    const result = await fx.tg.waitFor(
      (f) => f.chatLog(chat.id).find((m) => m.from_bot && m.kind === 'photo'),
      20_000,
    );
    expect(result.text).toBe('🧩 2 张图片的融合');
    const [blend] = fx.api.requestsTo('POST', '/mj/submit/blend');
    const body = blend!.json as { base64Array: string[]; dimensions: string };
    expect(body.dimensions).toBe('PORTRAIT');
    expect(body.base64Array).toHaveLength(2);
    await fx.tg.waitFor(() => fx.bot!.app.router.inflight === 0, 20_000);
  }, 60_000);

  it('Vary (Region): a preset button, a ForceReply prompt, and a mask at the image’s size', async () => {
    fx.bot = await startTelegramBot(fx.tg, fx.api);
    const bo = fx.tg.user(171, 'Bo', 'en');
    const chat = fx.tg.privateChat(171, bo);
    const press = (label: string) => {
      const msg = fx.tg
        .chatLog(chat.id)
        .filter((m) => m.from_bot)
        .findLast((m) =>
          m.reply_markup?.inline_keyboard.flat().some((b) => (b as { text: string }).text === label),
        )!;
      const b = msg
        .reply_markup!.inline_keyboard.flat()
        .find((x) => (x as { text: string }).text === label) as {
        callback_data: string;
      };
      fx.tg.pressButton(chat, bo, msg.message_id, b.callback_data);
    };
    const hasButton = (label: string) => () =>
      fx.tg
        .chatLog(chat.id)
        .some((m) =>
          m.reply_markup?.inline_keyboard.flat().some((b) => (b as { text: string }).text === label),
        );
    fx.tg.sendText(chat, bo, '/imagine 花园 a garden 🌷 --ar 16:9');
    await fx.tg.waitFor(hasButton('U1'), 20_000);
    press('U1');
    await fx.tg.waitFor(hasButton('🖌️ Vary (Region)'), 20_000);
    press('🖌️ Vary (Region)');
    await fx.tg.waitFor(hasButton('🔲 Border (keep the subject)'), 20_000);
    press('🔲 Border (keep the subject)');
    const ask = await fx.tg.waitFor(
      () => fx.tg.chatLog(chat.id).find((m) => m.text.includes('(1/1)')),
      20_000,
    );
    expect(ask.text).toContain('Vary (Region): 🔲 Border (keep the subject)');
    fx.tg.sendText(chat, bo, 'a stone wall with ivy 常春藤 🌿', fx.tg.replyTo(ask.message));
    await fx.tg.waitFor(() => fx.api.requestsTo('POST', '/mj/submit/modal').length === 1, 20_000);
    const body = fx.api.requestsTo('POST', '/mj/submit/modal')[0]!.json as {
      prompt: string;
      maskBase64: string;
    };
    expect(body.prompt).toBe('a stone wall with ivy 常春藤 🌿');
    const mask = Buffer.from(body.maskBase64.split(',')[1]!, 'base64');
    const { data, info } = await sharp(mask).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([1024, 576]);
    const at = (x: number, y: number) => data[(y * info.width + x) * info.channels];
    expect(at(5, 5)).toBe(255); // the border is repainted
    expect(at(512, 288)).toBe(0); // the subject in the middle is kept
    await fx.tg.waitFor(
      (f) => f.chatLog(chat.id).filter((m) => m.from_bot && m.kind === 'photo').length === 3,
      20_000,
    );
    await fx.tg.waitFor(() => fx.bot!.app.router.inflight === 0, 20_000);
  }, 60_000);
});
